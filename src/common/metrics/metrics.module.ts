import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { ScrapeGauges } from './scrape-gauges';
import { WorkerMetricsServer } from './worker-metrics.server';

@Module({ controllers: [MetricsController], providers: [ScrapeGauges, WorkerMetricsServer] })
export class MetricsModule {}
