import type { AppConfig } from '../../../config/app-config';
import { LocalMediaStorage } from './local-media.storage';
import type { MediaStorage } from './media-storage';
import type { S3MediaStorage } from './s3-media.storage';

/** The driver MEDIA_STORAGE names: `local` under MEDIA_DIR, or `s3` (bucket checked by loadConfig). */
export function createMediaStorage(config: AppConfig): MediaStorage {
  switch (config.media.storage) {
    case 'local':
      return new LocalMediaStorage(config.media.dir);
    case 's3': {
      // Required here, not imported above: the AWS SDK takes a sixth of a second to load, for local storage nothing.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { S3MediaStorage: Storage } = require('./s3-media.storage') as { S3MediaStorage: typeof S3MediaStorage };
      return new Storage(config.media.s3);
    }
  }
}
