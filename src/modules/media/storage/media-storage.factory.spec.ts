import { loadConfig } from '../../../config/app-config';
import { LocalMediaStorage } from './local-media.storage';
import { createMediaStorage } from './media-storage.factory';
import { S3MediaStorage } from './s3-media.storage';

describe('createMediaStorage', () => {
  it('uses the local driver by default', async () => {
    const storage = await createMediaStorage(loadConfig({ NODE_ENV: 'test', MEDIA_DIR: '/tmp/parley-media-factory' }));
    expect(storage).toBeInstanceOf(LocalMediaStorage);
    expect(storage.driver).toBe('local');
  });

  it('uses the s3 driver when MEDIA_STORAGE is s3', async () => {
    const storage = await createMediaStorage(
      loadConfig({ NODE_ENV: 'test', MEDIA_STORAGE: 's3', MEDIA_S3_BUCKET: 'parley-media', MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9' }),
    );
    expect(storage).toBeInstanceOf(S3MediaStorage);
    expect(storage.driver).toBe('s3');
    (storage as S3MediaStorage).onModuleDestroy();
  });

  it('refuses an s3 driver without a bucket', () => {
    expect(() => new S3MediaStorage({ bucket: null, endpoint: null, region: 'us-east-1' })).toThrow(/bucket/);
  });
});
