import { MediaRescanJob } from '../../src/modules/media/media-rescan.job';
import { EICAR, startFakeClamd } from '../support/fake-clamd';
import { FakeVendor } from '../support/fake-vendor';
import { binaryParser, metaMediaDelivery, pdf, png, postMeta, serveMetaMedia, SETTLED, tempMediaDir, waitForMedia } from '../support/media';
import { createProvider, metaProvider, type CreatedProvider } from '../support/messaging';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

interface Setup {
  t: TestApp;
  tenant: TestTenant;
  provider: CreatedProvider;
}

let n = 0;
const next = (prefix: string) => ({ wamid: `wamid.scan.${prefix}.${++n}`, mediaId: `${8_000_000_000 + n}` });

async function messageIdOf({ t, provider }: Setup, wamid: string): Promise<string> {
  return (await t.dataSource.query<{ id: string }[]>('SELECT id FROM message WHERE provider_id = $1 AND vendor_message_id = $2', [provider.id, wamid]))[0].id;
}

function getMedia({ t, tenant }: Setup, id: string) {
  return t.http().get(`/api/v1/messages/${id}/media`).set('Authorization', tenant.auth()).buffer(true).parse(binaryParser);
}

function errorOf(body: unknown): { code: string; details: Record<string, unknown> } {
  return (JSON.parse((body as Buffer).toString()) as { error: { code: string; details: Record<string, unknown> } }).error;
}

describe('media scanning (#14) over clamd INSTREAM', () => {
  let meta: FakeVendor;
  let clamd: Awaited<ReturnType<typeof startFakeClamd>>;
  const media = tempMediaDir();
  let s: Setup;

  beforeAll(async () => {
    meta = await FakeVendor.start();
    clamd = await startFakeClamd();
    const t = await startTestApp({ env: { MEDIA_DIR: media.dir, CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(clamd.port) } });
    const tenant = await t.createTenant();
    s = { t, tenant, provider: await createProvider(t, tenant, metaProvider(meta.url)) };
  });
  afterAll(async () => {
    await s?.t.close();
    await meta.close();
    await clamd.close();
    media.remove();
  });

  it('quarantines the EICAR file (never served, the signature in reason) and passes a clean one', async () => {
    const eicar = next('eicar');
    serveMetaMedia(meta, { id: eicar.mediaId, bytes: Buffer.from(EICAR), mimeType: 'text/plain' });
    await postMeta(s.t, s.provider, metaMediaDelivery(eicar.wamid, 'document', { id: eicar.mediaId, mime_type: 'text/plain', filename: 'eicar.txt' }));
    const clean = next('clean');
    serveMetaMedia(meta, { id: clean.mediaId, bytes: pdf('clean'), mimeType: 'application/pdf' });
    await postMeta(s.t, s.provider, metaMediaDelivery(clean.wamid, 'document', { id: clean.mediaId, mime_type: 'application/pdf', filename: 'clean.pdf' }));
    const scansBefore = clamd.scans;

    const infected = await waitForMedia(s.t, s.provider.id, eicar.wamid, SETTLED);
    expect(infected.status).toBe('quarantined');
    expect(infected.reason).toContain('Eicar-Signature');
    // The bytes are kept (for an administrator's look), never served.
    expect(infected.storage_key).not.toBeNull();
    const refused = await getMedia(s, await messageIdOf(s, eicar.wamid)).expect(409);
    expect(errorOf(refused.body)).toMatchObject({ code: 'mediaUnavailable', details: { status: 'quarantined', reason: infected.reason } });

    const passed = await waitForMedia(s.t, s.provider.id, clean.wamid, SETTLED);
    expect(passed).toMatchObject({ status: 'available', reason: null });
    expect(clamd.scans).toBeGreaterThanOrEqual(scansBefore + 2);
    await getMedia(s, await messageIdOf(s, clean.wamid)).expect(200);
  });

  it('keeps a file pending_scan while clamd is down, serves nothing, and makes it available once media-rescan runs after clamd returns', async () => {
    await clamd.stop();
    const { wamid, mediaId } = next('down');
    const bytes = png(20, 20, 5);
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png' });
    try {
      await postMeta(s.t, s.provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
      const waiting = await waitForMedia(s.t, s.provider.id, wamid, SETTLED);
      expect(waiting.status).toBe('pending_scan');
      expect(waiting.storage_key).not.toBeNull();
      const id = await messageIdOf(s, wamid);
      const refused = await getMedia(s, id).expect(409);
      expect(errorOf(refused.body)).toMatchObject({ code: 'mediaUnavailable', details: { status: 'pending_scan' } });

      // Still down: a rescan leaves it waiting.
      await s.t.dataSource.query(`UPDATE media_file SET next_attempt_at = now() WHERE message_id = $1`, [id]);
      const job = s.t.app.get(MediaRescanJob);
      expect((await job.execute()).rescanned).toBeGreaterThanOrEqual(1);
      expect((await waitForMedia(s.t, s.provider.id, wamid, SETTLED)).status).toBe('pending_scan');
    } finally {
      await clamd.start();
    }
    const id = await messageIdOf(s, wamid);
    // A rescan is due a minute later: time is moved rather than waited for.
    await s.t.dataSource.query(`UPDATE media_file SET next_attempt_at = now() WHERE message_id = $1`, [id]);
    const summary = await s.t.app.get(MediaRescanJob).execute();
    expect(summary).toEqual({ rescanned: expect.any(Number), downloaded: expect.any(Number), expired: expect.any(Number), filesDeleted: expect.any(Number) });
    expect(summary.rescanned).toBeGreaterThanOrEqual(1);
    const row = await waitForMedia(s.t, s.provider.id, wamid, ['available']);
    expect(row).toMatchObject({ reason: null, scan_attempts: 3 });
    const res = await getMedia(s, id).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
  });
});

describe('media without a scanner (#14)', () => {
  let meta: FakeVendor;
  const media = tempMediaDir();
  let s: Setup;

  beforeAll(async () => {
    meta = await FakeVendor.start();
    const t = await startTestApp({ env: { MEDIA_DIR: media.dir, CLAMD_HOST: '' } });
    const tenant = await t.createTenant();
    s = { t, tenant, provider: await createProvider(t, tenant, metaProvider(meta.url)) };
  });
  afterAll(async () => {
    await s?.t.close();
    await meta.close();
    media.remove();
  });

  it('stores the file unscanned: served while the tenant allows it (the test default), 409 once serveUnscannedMedia is false', async () => {
    const { wamid, mediaId } = next('unscanned');
    const bytes = png(10, 10, 11);
    serveMetaMedia(meta, { id: mediaId, bytes, mimeType: 'image/png' });
    await postMeta(s.t, s.provider, metaMediaDelivery(wamid, 'image', { id: mediaId, mime_type: 'image/png' }));
    const row = await waitForMedia(s.t, s.provider.id, wamid, SETTLED);
    expect(row.status).toBe('unscanned');
    const id = await messageIdOf(s, wamid);

    const served = await getMedia(s, id).expect(200);
    expect((served.body as Buffer).equals(bytes)).toBe(true);

    await s.t.http().patch('/api/v1/admin/settings').set('Authorization', s.tenant.auth('admin')).send({ serveUnscannedMedia: false }).expect(200);
    const refused = await getMedia(s, id).expect(409);
    expect(errorOf(refused.body)).toMatchObject({ code: 'mediaUnavailable', details: { status: 'unscanned' } });

    await s.t.http().patch('/api/v1/admin/settings').set('Authorization', s.tenant.auth('admin')).send({ serveUnscannedMedia: true }).expect(200);
    await getMedia(s, id).expect(200);
  });
});
