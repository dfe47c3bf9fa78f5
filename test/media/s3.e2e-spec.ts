import { existsSync, readdirSync } from 'node:fs';
import { startFakeClamd } from '../support/fake-clamd';
import { startFakeS3 } from '../support/fake-s3';
import { FakeVendor } from '../support/fake-vendor';
import { binaryParser, metaMediaDelivery, metaMediaRequests, pdf, png, postMeta, serveMetaMedia, SETTLED, sha256Base64, sha256Hex, tempMediaDir, waitForMedia } from '../support/media';
import { createProvider, metaProvider, type CreatedProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

describe('inbound media with the s3 driver (#14), against a local fake S3', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let s3: Awaited<ReturnType<typeof startFakeS3>>;
  let clamd: Awaited<ReturnType<typeof startFakeClamd>>;
  // Set, but never written to: files go to the bucket.
  const local = tempMediaDir();
  let tenant: TestTenant;
  let provider: CreatedProvider;

  beforeAll(async () => {
    meta = await FakeVendor.start();
    s3 = await startFakeS3();
    clamd = await startFakeClamd();
    t = await startTestApp({ env: { ...s3.env, MEDIA_DIR: local.dir, CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(clamd.port) } });
    tenant = await t.createTenant();
    provider = await createProvider(t, tenant, metaProvider(meta.url));
  });
  afterAll(async () => {
    await t?.close();
    await meta.close();
    await clamd.close();
    await s3.close();
    local.remove();
  });

  const messageIdOf = async (wamid: string) =>
    (await t.dataSource.query<{ id: string }[]>('SELECT id FROM message WHERE provider_id = $1 AND vendor_message_id = $2', [provider.id, wamid]))[0].id;
  const getMedia = (id: string) => t.http().get(`/api/v1/messages/${id}/media`).set('Authorization', tenant.auth()).buffer(true).parse(binaryParser);

  it('downloads, scans and stores in the bucket under the tenant prefix; serves it byte-identical, with ranges', async () => {
    expect(t.config.media.storage).toBe('s3');
    const wamid = 'wamid.s3.image';
    const mediaId = '7000000001';
    const bytes = png(96, 64, 21);
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png' });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png', sha256: sha256Base64(bytes) }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED);
    expect(row).toMatchObject({ status: 'available', mime_type: 'image/png', size: String(bytes.length), sha256: sha256Hex(bytes) });
    expect(metaMediaRequests(meta, mediaId)).toHaveLength(2);

    const id = await messageIdOf(wamid);
    expect(row.storage_key).toMatch(new RegExp(`^${tenant.tenantId}/conversations/[0-9a-f-]{36}/${id}/image\\.png$`));
    expect(await s3.objectKeys()).toContain(row.storage_key);
    expect(existsSync(local.dir) ? readdirSync(local.dir) : []).toEqual([]);

    const whole = await getMedia(id).expect(200);
    expect((whole.body as Buffer).equals(bytes)).toBe(true);
    expect(whole.headers).toMatchObject({ 'content-type': 'image/png', 'content-length': String(bytes.length), 'x-content-type-options': 'nosniff' });

    const slice = await getMedia(id).set('Range', 'bytes=100-199').expect(206);
    expect((slice.body as Buffer).equals(bytes.subarray(100, 200))).toBe(true);
    expect(slice.headers['content-range']).toBe(`bytes 100-199/${bytes.length}`);
  });

  it('keeps a sanitized document name inside the tenant prefix, and removes a refused file from the bucket', async () => {
    const doc = { wamid: 'wamid.s3.doc', mediaId: '7000000002' };
    const bytes = pdf('s3');
    serveMetaMedia(meta, { id: doc.mediaId, bytes, mimeType: 'application/pdf' });
    await postMeta(t, provider, metaMediaDelivery(doc.wamid, 'document', { id: doc.mediaId, mime_type: 'application/pdf', filename: '../../../../etc/x.pdf' }));
    const stored = await waitForMedia(t, provider.id, doc.wamid, SETTLED);
    expect(stored).toMatchObject({ status: 'available', file_name: 'x.pdf' });
    expect(stored.storage_key!.startsWith(`${tenant.tenantId}/conversations/`)).toBe(true);
    const res = await getMedia(await messageIdOf(doc.wamid)).expect(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="x.pdf"');

    const bad = { wamid: 'wamid.s3.badsum', mediaId: '7000000003' };
    const wrong = sha256Hex('not these bytes');
    serveMetaMedia(meta, { id: bad.mediaId, bytes: png(9, 9), mimeType: 'image/png', sha256: wrong });
    await postMeta(t, provider, metaMediaDelivery(bad.wamid, 'image', { id: bad.mediaId, mime_type: 'image/png', sha256: wrong }));
    const failed = await waitForMedia(t, provider.id, bad.wamid, SETTLED);
    expect(failed).toMatchObject({ status: 'failed', reason: 'sha256 does not match' });
    const badId = await messageIdOf(bad.wamid);
    expect((await s3.objectKeys()).filter((key) => key.includes(badId))).toEqual([]);
  });
});
