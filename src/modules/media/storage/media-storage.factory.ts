import type { AppConfig } from '../../../config/app-config';
import { LocalMediaStorage } from './local-media.storage';
import type { MediaStorage } from './media-storage';

/** The driver MEDIA_STORAGE names: `local` under MEDIA_DIR, or `s3` (bucket checked by loadConfig). */
export async function createMediaStorage(config: AppConfig): Promise<MediaStorage> {
  switch (config.media.storage) {
    case 'local':
      return new LocalMediaStorage(config.media.dir);
    case 's3': {
      // Imported here, not above: the AWS SDK takes a sixth of a second to load, which local storage need not pay.
      const { S3MediaStorage } = await import('./s3-media.storage');
      return new S3MediaStorage(config.media.s3);
    }
  }
}
