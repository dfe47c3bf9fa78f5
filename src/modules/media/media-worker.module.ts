import { Module } from '@nestjs/common';
import { MediaDownloadProcessor } from './media-download.processor';
import { MediaModule } from './media.module';

/** The `media` queue's worker: `worker` and `all` processes only. */
@Module({
  imports: [MediaModule],
  providers: [MediaDownloadProcessor],
})
export class MediaWorkerModule {}
