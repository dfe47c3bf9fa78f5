import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { trackOpen } from './open-resources';

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  /** For startTestApp({env}): the s3 driver pointed at this server. */
  env: Record<string, string>;
  /** Every key in the bucket, sorted. */
  objectKeys(): Promise<string[]>;
  close(): Promise<void>;
}

const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/**
 * An S3-compatible server (s3rver) on 127.0.0.1, on a free port, storing into a fresh temporary directory,
 * with one bucket. The AWS SDK reads credentials from process.env (its default chain, as in production), so
 * they are set for this process while the server runs and restored on close; the instance metadata service
 * is disabled meanwhile so that the chain can never leave the machine.
 */
export async function startFakeS3(): Promise<FakeS3> {
  const directory = await mkdtemp(join(tmpdir(), 'parley-fake-s3-'));
  const bucket = 'parley-media-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;

  const overridden = { ...CREDENTIALS, AWS_EC2_METADATA_DISABLED: 'true' };
  const previous = Object.fromEntries(Object.keys(overridden).map((name) => [name, process.env[name]]));
  Object.assign(process.env, overridden);

  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

  const tracked = trackOpen({
    close: async () => {
      client.destroy();
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      // The SDK keeps connections alive; without cutting them close would wait for them to time out.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  });

  return {
    endpoint,
    bucket,
    env: { MEDIA_STORAGE: 's3', MEDIA_S3_BUCKET: bucket, MEDIA_S3_ENDPOINT: endpoint, MEDIA_S3_REGION: 'us-east-1', ...CREDENTIALS },
    async objectKeys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    close: () => tracked.close(),
  };
}
