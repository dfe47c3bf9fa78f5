import type { AppConfig } from '../../../config/app-config';
import { LocalMediaStorage } from './local-media.storage';
import type { MediaStorage } from './media-storage';
import { S3MediaStorage } from './s3-media.storage';

/** The driver MEDIA_STORAGE names: `local` under MEDIA_DIR, or `s3` (bucket checked by loadConfig). */
export function createMediaStorage(config: AppConfig): MediaStorage {
  switch (config.media.storage) {
    case 'local':
      return new LocalMediaStorage(config.media.dir);
    case 's3':
      return new S3MediaStorage(config.media.s3);
  }
}
