import { Module } from '@nestjs/common';
import { MediaRescanJob } from './media-rescan.job';
import { MediaModule } from './media.module';

/** media-rescan: ticked by worker processes, run by `job:run`. */
@Module({
  imports: [MediaModule],
  providers: [MediaRescanJob],
  exports: [MediaRescanJob],
})
export class MediaJobsModule {}
