import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProvidersModule } from '../../providers/providers.module';
import { CostCapture } from './cost-capture';
import { FxRate } from './fx-rate.entity';
import { FxRatesController } from './fx-rates.controller';
import { FxRatesService } from './fx-rates.service';
import { MessageCostEstimator } from './message-cost-estimator';

/**
 * What messages cost: the price table, the tenants' FX rates and cost capture. Settlement and reconciliation
 * move budgets, so BudgetsModule provides them (it imports this module).
 */
@Module({
  imports: [TypeOrmModule.forFeature([FxRate]), ProvidersModule],
  controllers: [FxRatesController],
  providers: [FxRatesService, MessageCostEstimator, CostCapture],
  exports: [FxRatesService, MessageCostEstimator, CostCapture],
})
export class CostModule {}
