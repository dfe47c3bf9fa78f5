import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaRescanJob } from '../../src/modules/media/media-rescan.job';
import { FakeVendor } from '../support/fake-vendor';
import { startFakeClamd } from '../support/fake-clamd';
import {
  binaryParser,
  elf,
  exe,
  mediaRowOf,
  metaMediaDelivery,
  metaMediaRequests,
  pdf,
  png,
  postMeta,
  serveMetaMedia,
  sha256Base64,
  sha256Hex,
  SETTLED,
  tempMediaDir,
  waitForMedia,
} from '../support/media';
import { createProvider, metaInboundText, metaProvider, type CreatedProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const MAX_BYTES = 64 * 1024;

describe('inbound media (#14): download, verification, storage, serving', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let clamd: Awaited<ReturnType<typeof startFakeClamd>>;
  const media = tempMediaDir();
  let tenant: TestTenant;
  let provider: CreatedProvider;
  let n = 0;

  beforeAll(async () => {
    meta = await FakeVendor.start();
    clamd = await startFakeClamd();
    t = await startTestApp({
      env: { MEDIA_DIR: media.dir, MEDIA_MAX_BYTES: String(MAX_BYTES), CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(clamd.port) },
    });
    tenant = await t.createTenant();
    provider = await createProvider(t, tenant, metaProvider(meta.url));
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    await clamd.close();
    media.remove();
  });

  const next = (prefix: string) => ({ wamid: `wamid.${prefix}.${++n}`, mediaId: `${9_000_000_000 + n}` });
  const messageIdOf = async (wamid: string) =>
    (await t.dataSource.query<{ id: string }[]>('SELECT id FROM message WHERE provider_id = $1 AND vendor_message_id = $2', [provider.id, wamid]))[0].id;
  const getMedia = (id: string, as: TestTenant = tenant) => t.http().get(`/api/v1/messages/${id}/media`).set('Authorization', as.auth()).buffer(true).parse(binaryParser);

  it('downloads an inbound image through the two-step flow within a second, and serves it byte-identical', async () => {
    const { wamid, mediaId } = next('img');
    const bytes = png(64, 48);
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png' });
    const posted = Date.now();
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png', sha256: sha256Base64(bytes), caption: 'my receipt' }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED, 5_000, 10);
    expect(Date.now() - posted).toBeLessThan(1_000);
    expect(row).toMatchObject({ status: 'available', reason: null, mime_type: 'image/png', file_name: 'image.png', size: String(bytes.length), sha256: sha256Hex(bytes) });

    // Meta's two steps, both with the provider's bearer token: the metadata, then its URL.
    const [lookup, download] = metaMediaRequests(meta, mediaId);
    expect(lookup).toMatchObject({ method: 'GET', path: `/v21.0/${mediaId}` });
    expect(download).toMatchObject({ method: 'GET', path: `/cdn/whatsapp_business/attachments/${mediaId}` });
    expect(lookup.headers.authorization).toBe('Bearer EAAGtest');
    expect(download.headers.authorization).toBe('Bearer EAAGtest');

    // Stored under the tenant's folder.
    const id = await messageIdOf(wamid);
    expect(row.storage_key).toMatch(new RegExp(`^${tenant.tenantId}/conversations/[0-9a-f-]{36}/${id}/image\\.png$`));
    expect(readFileSync(join(media.dir, row.storage_key!)).equals(bytes)).toBe(true);

    const res = await getMedia(id).expect(200);
    expect(Buffer.isBuffer(res.body)).toBe(true);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe('attachment; filename="image.png"');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('answers Range requests with 206 and the exact slice, and 416 outside the file', async () => {
    const { wamid, mediaId } = next('range');
    const bytes = png(80, 40, 7);
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png' });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
    await waitForMedia(t, provider.id, wamid, ['available']);
    const id = await messageIdOf(wamid);

    const slice = await getMedia(id).set('Range', 'bytes=10-99').expect(206);
    expect((slice.body as Buffer).equals(bytes.subarray(10, 100))).toBe(true);
    expect(slice.headers['content-range']).toBe(`bytes 10-99/${bytes.length}`);
    expect(slice.headers['content-length']).toBe('90');

    const open = await getMedia(id).set('Range', `bytes=${bytes.length - 5}-`).expect(206);
    expect((open.body as Buffer).equals(bytes.subarray(bytes.length - 5))).toBe(true);

    const suffix = await getMedia(id).set('Range', 'bytes=-16').expect(206);
    expect((suffix.body as Buffer).equals(bytes.subarray(bytes.length - 16))).toBe(true);
    expect(suffix.headers['content-range']).toBe(`bytes ${bytes.length - 16}-${bytes.length - 1}/${bytes.length}`);

    const outside = await getMedia(id).set('Range', `bytes=${bytes.length}-`).expect(416);
    expect(outside.headers['content-range']).toBe(`bytes */${bytes.length}`);
  });

  it('is tenant-scoped: another tenant gets 404, as does a message without media', async () => {
    const { wamid, mediaId } = next('scope');
    serveMetaMedia(meta, { id: mediaId, bytes: png(8, 8), mimeType: 'image/png' });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
    await waitForMedia(t, provider.id, wamid, ['available']);
    const id = await messageIdOf(wamid);
    const other = await t.createTenant('Other tenant');
    const res = await getMedia(id, other).expect(404);
    expect(JSON.parse((res.body as Buffer).toString()).error.code).toBe('notFound');
    await getMedia('0190a4d0-0000-7000-8000-000000000000').expect(404);
    await t.http().get(`/api/v1/messages/${id}/media`).expect(401);
  });

  it('marks the media expired when the vendor answers the URL with 404', async () => {
    const { wamid, mediaId } = next('gone');
    serveMetaMedia(meta, { id: mediaId, bytes: png(), mimeType: 'image/png', downloadStatus: 404 });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED);
    expect(row.status).toBe('expired');
    expect(row.reason).toContain('404');
    expect(row.storage_key).toBeNull();
    const res = await getMedia(await messageIdOf(wamid)).expect(409);
    expect(JSON.parse((res.body as Buffer).toString()).error).toMatchObject({ code: 'mediaUnavailable', details: { status: 'expired', reason: row.reason } });
  });

  it('fails a file whose sha256 does not match, deletes its bytes and never serves it', async () => {
    const { wamid, mediaId } = next('sha');
    const bytes = png(16, 16, 3);
    const wrong = sha256Hex(Buffer.from('something else'));
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png', sha256: wrong });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png', sha256: wrong }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED);
    expect(row).toMatchObject({ status: 'failed', reason: 'sha256 does not match', storage_key: null });
    const id = await messageIdOf(wamid);
    expect(existsSync(join(media.dir, tenant.tenantId, 'conversations'))).toBe(true);
    const left = readdirSync(join(media.dir, tenant.tenantId, 'conversations'), { recursive: true }).map(String);
    expect(left.filter((p) => p.includes(id) && p.endsWith('.png'))).toEqual([]);
    const res = await getMedia(id).expect(409);
    expect(JSON.parse((res.body as Buffer).toString()).error).toMatchObject({ code: 'mediaUnavailable', details: { status: 'failed', reason: 'sha256 does not match' } });
  });

  it('accepts the checksum as hex as well as base64', async () => {
    const { wamid, mediaId } = next('hex');
    const bytes = pdf('hex checksum');
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'application/pdf', sha256: sha256Hex(bytes).toUpperCase() });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'document', { id: mediaId, mime_type: 'application/pdf', filename: 'contract.pdf' }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED);
    expect(row).toMatchObject({ status: 'available', mime_type: 'application/pdf', file_name: 'contract.pdf', sha256: sha256Hex(bytes) });
  });

  it('fails a file larger than MEDIA_MAX_BYTES, announced or not, and keeps none of it', async () => {
    const big = Buffer.concat([png(8, 8), Buffer.alloc(MAX_BYTES, 1)]);
    const announced = next('big');
    serveMetaMedia(meta, { id: announced.mediaId, bytes: big, mimeType: 'image/png', sha256: null });
    await postMeta(t, provider, metaMediaDelivery(announced.wamid, 'image', { id: announced.mediaId, mime_type: 'image/png' }));
    const unannounced = next('big-chunked');
    serveMetaMedia(meta, { id: unannounced.mediaId, bytes: big, mimeType: 'image/png', sha256: null, announceSize: false });
    await postMeta(t, provider, metaMediaDelivery(unannounced.wamid, 'image', { id: unannounced.mediaId, mime_type: 'image/png' }));

    for (const { wamid } of [announced, unannounced]) {
      const row = await waitForMedia(t, provider.id, wamid, SETTLED);
      expect(row).toMatchObject({ status: 'failed', storage_key: null, size: null });
      expect(row.reason).toContain('MEDIA_MAX_BYTES');
      const id = await messageIdOf(wamid);
      const stored = readdirSync(media.dir, { recursive: true }).map(String);
      expect(stored.filter((p) => p.includes(id))).toEqual([]);
    }
  });

  it('fails a "PDF" whose bytes are an executable: the type is sniffed, not taken from the label', async () => {
    const windows = next('exe');
    serveMetaMedia(meta, { id: windows.mediaId, bytes: exe(), mimeType: 'application/pdf' });
    await postMeta(t, provider, metaMediaDelivery(windows.wamid, 'document', { id: windows.mediaId, mime_type: 'application/pdf', filename: 'invoice.pdf' }));
    const linux = next('elf');
    serveMetaMedia(meta, { id: linux.mediaId, bytes: elf(), mimeType: 'application/pdf' });
    await postMeta(t, provider, metaMediaDelivery(linux.wamid, 'document', { id: linux.mediaId, mime_type: 'application/pdf', filename: 'invoice.pdf' }));

    const sniffed = await waitForMedia(t, provider.id, windows.wamid, SETTLED);
    expect(sniffed).toMatchObject({ status: 'failed', storage_key: null, reason: 'content type application/x-msdownload is not allowed' });
    // No magic file-type knows, under a label that has some: the label is not believed.
    const unknown = await waitForMedia(t, provider.id, linux.wamid, SETTLED);
    expect(unknown).toMatchObject({ status: 'failed', storage_key: null, reason: "the file's bytes do not match its type application/pdf" });
    for (const { wamid } of [windows, linux]) await getMedia(await messageIdOf(wamid)).expect(409);
    const stored = readdirSync(media.dir, { recursive: true }).map(String);
    expect(stored.filter((p) => p.endsWith('invoice.pdf'))).toEqual([]);
  });

  it('retries a download the vendor failed with a 5xx, inside the window', async () => {
    const { wamid, mediaId } = next('retry');
    const bytes = png(12, 12, 9);
    let tries = 0;
    meta.on('GET', `/v21.0/${mediaId}`, () =>
      ++tries === 1
        ? { status: 503, json: { error: { message: 'Service temporarily unavailable', code: 2 } } }
        : { status: 200, json: { id: mediaId, url: `${meta.url}/cdn/retry/${mediaId}`, mime_type: 'image/png', sha256: sha256Base64(bytes) } },
    );
    meta.on('GET', `/cdn/retry/${mediaId}`, { status: 200, body: bytes, headers: { 'content-type': 'image/png' } });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
    // The failed try leaves it pending, with why, for the next try (2 s later).
    const pending = await waitFor(async () => {
      const row = await mediaRowOf(t, provider.id, wamid);
      return row?.status === 'pending' && row.download_attempts === 1 && row.reason ? row : undefined;
    }, 5_000, 20);
    expect(pending.reason).toContain('Will try again');
    const row = await waitForMedia(t, provider.id, wamid, SETTLED, 10_000);
    expect(row).toMatchObject({ status: 'available', download_attempts: 2 });
    expect(tries).toBe(2);
  });

  it('stores a document named ../../../../etc/x.pdf inside the tenant folder and serves it with a sanitized name', async () => {
    const { wamid, mediaId } = next('traversal');
    const bytes = pdf('traversal');
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'application/pdf' });
    await postMeta(t, provider, metaMediaDelivery(wamid, 'document', { id: mediaId, mime_type: 'application/pdf', filename: '../../../../etc/x.pdf' }));
    const row = await waitForMedia(t, provider.id, wamid, SETTLED);
    const id = await messageIdOf(wamid);
    expect(row).toMatchObject({ status: 'available', file_name: 'x.pdf' });
    expect(row.storage_key).toMatch(new RegExp(`^${tenant.tenantId}/conversations/[0-9a-f-]{36}/${id}/x\\.pdf$`));
    expect(readFileSync(join(media.dir, row.storage_key!)).equals(bytes)).toBe(true);
    // Nothing outside the tenants' folders: MEDIA_DIR holds only tenant ids, and no x.pdf climbed out of it.
    expect(readdirSync(media.dir).every((name) => /^[0-9a-f-]{36}$/.test(name))).toBe(true);
    expect(existsSync(join(media.dir, '..', 'etc', 'x.pdf'))).toBe(false);
    expect(existsSync(join(media.dir, '..', 'x.pdf'))).toBe(false);

    const res = await getMedia(id).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="x.pdf"');
  });

  it('media-rescan makes downloads whose job was lost and expires those whose window passed untried', async () => {
    const lost = next('lost');
    const bytes = png(14, 14, 13);
    serveMetaMedia(meta, { id: lost.mediaId, bytes, mimeType: 'image/png' });
    const late = next('late');
    serveMetaMedia(meta, { id: late.mediaId, bytes: png(), mimeType: 'image/png' });
    // Both filed and settled once; then put back as if their jobs had never reached Redis.
    await postMeta(t, provider, metaMediaDelivery(lost.wamid, 'image', { id: lost.mediaId, mime_type: 'image/png' }));
    await postMeta(t, provider, metaMediaDelivery(late.wamid, 'image', { id: late.mediaId, mime_type: 'image/png' }));
    await waitForMedia(t, provider.id, lost.wamid, SETTLED);
    await waitForMedia(t, provider.id, late.wamid, SETTLED);
    const [lostId, lateId] = [await messageIdOf(lost.wamid), await messageIdOf(late.wamid)];
    await t.dataSource.query(
      `UPDATE media_file SET status = 'pending', reason = NULL, storage_key = NULL, mime_type = NULL, size = NULL, sha256 = NULL,
              next_attempt_at = now(), expires_at = CASE WHEN message_id = $2 THEN now() - interval '1 second' ELSE expires_at END
       WHERE message_id IN ($1, $2)`,
      [lostId, lateId],
    );
    const before = meta.requests.length;

    const summary = await t.app.get(MediaRescanJob).execute();
    // At least these two (the suite's database may hold other files' leftovers).
    expect(summary.downloaded).toBeGreaterThanOrEqual(1);
    expect(summary.expired).toBeGreaterThanOrEqual(1);
    expect(await mediaRowOf(t, provider.id, lost.wamid)).toMatchObject({ status: 'available', sha256: sha256Hex(bytes) });
    expect(await mediaRowOf(t, provider.id, late.wamid)).toMatchObject({ status: 'expired', reason: "The vendor's download window passed" });
    // Only the lost one was fetched (its two steps).
    expect(meta.requests.slice(before).map((r) => r.path)).toEqual([`/v21.0/${lost.mediaId}`, `/cdn/whatsapp_business/attachments/${lost.mediaId}`]);
    const res = await getMedia(lostId).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
  });

  it('files text-only deliveries without any media row', async () => {
    const wamid = `wamid.text.${++n}`;
    await postMeta(t, provider, metaInboundText('31612345678', 'hello', wamid));
    await waitForMessage(t, provider.id, wamid);
    expect(await mediaRowOf(t, provider.id, wamid)).toBeUndefined();
  });
});

async function waitForMessage(t: TestApp, providerId: string, wamid: string): Promise<void> {
  await waitFor(async () => {
    const rows = await t.dataSource.query<unknown[]>('SELECT 1 FROM message WHERE provider_id = $1 AND vendor_message_id = $2', [providerId, wamid]);
    return rows.length > 0;
  }, 10_000, 20);
}
