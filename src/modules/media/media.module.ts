import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ProvidersModule } from '../providers/providers.module';
import { MediaDownloadService } from './media-download.service';
import { MediaIntakeService } from './media-intake.service';
import { MediaScanService } from './media-scan.service';
import { MediaStorageModule } from './media-storage.module';
import { MediaController } from './media.controller';
import { MEDIA_QUEUE } from './media.queue';
import { ClamdScanner } from './scanning/clamd.scanner';
import { VIRUS_SCANNER } from './scanning/virus-scanner';

const mediaQueue = BullModule.registerQueue({ name: MEDIA_QUEUE });

/**
 * Customers' files: filing at webhook time (MediaIntakeService), the download pipeline and scanning, and
 * serving them to agents. Storage and file deletion live in MediaStorageModule (conversations need them);
 * this module never imports ConversationsModule: it reads messages with SQL.
 */
@Module({
  imports: [mediaQueue, ProvidersModule, MediaStorageModule],
  controllers: [MediaController],
  providers: [
    { provide: VIRUS_SCANNER, inject: [AppConfig], useFactory: (config: AppConfig) => new ClamdScanner(config.media.clamd) },
    MediaIntakeService,
    MediaScanService,
    MediaDownloadService,
  ],
  exports: [mediaQueue, MediaStorageModule, MediaIntakeService, MediaScanService, MediaDownloadService],
})
export class MediaModule {}
