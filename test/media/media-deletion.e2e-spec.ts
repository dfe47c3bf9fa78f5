import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MessageRetentionJob } from '../../src/modules/conversations/jobs/message-retention.job';
import { MediaDeletionService } from '../../src/modules/media/media-deletion.service';
import { mediaKey } from '../../src/modules/media/storage/media-key';
import { MEDIA_STORAGE, type MediaStorage } from '../../src/modules/media/storage/media-storage';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { countStatements } from '../support/statement-counter';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';

interface Filed {
  id: string;
  contactId: string;
  conversationId: string;
}

interface Stored extends Filed {
  key: string;
  path: string;
  sha256: string;
  size: number;
}

describe('media files and the message resource (#14): media object, erasure, retention, revokes', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let dir: string;
  let storage: MediaStorage;
  let tenant: TestTenant;
  let provider: CreatedProvider;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-media-deletion-'));
    t = await startTestApp({ env: { MEDIA_STORAGE: 'local', MEDIA_DIR: dir } });
    meta = await FakeVendor.start();
    storage = t.app.get<MediaStorage>(MEDIA_STORAGE);
    tenant = await t.createTenant('Media deletion');
    provider = await createProvider(t, tenant, metaProvider(meta.url));
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const postMeta = (body: string) =>
    t.http().post(new URL(provider.webhookUrl).pathname).set('Content-Type', 'application/json').set('X-Hub-Signature-256', metaSignature(APP_SECRET, body)).send(body).expect(200);

  /** A customer's text, filed through the real webhook. */
  async function inbound(from: string, vendorMessageId: string): Promise<Filed> {
    await postMeta(metaInboundText(from, 'see attachment', vendorMessageId));
    return waitFor(async () => {
      const [row] = await t.dataSource.query<{ id: string; contact_id: string; conversation_id: string }[]>(
        'SELECT id, contact_id, conversation_id FROM message WHERE provider_id = $1 AND vendor_message_id = $2',
        [provider.id, vendorMessageId],
      );
      return row && { id: row.id, contactId: row.contact_id, conversationId: row.conversation_id };
    }, 10_000);
  }

  /** Makes the message a stored document: its bytes written through the app's storage, its media_file row `available`. */
  async function storeDocument(message: Filed, fileName: string, text: string): Promise<Stored> {
    const bytes = Buffer.from(`%PDF-1.4\n${text}\n%%EOF\n`);
    const key = mediaKey({ tenantId: tenant.tenantId, conversationId: message.conversationId, messageId: message.id, fileName });
    const { size } = await storage.put(key, Readable.from([bytes]), 'application/pdf');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await t.dataSource.query(
      `UPDATE message SET type = 'document', media = $2 WHERE id = $1`,
      [message.id, JSON.stringify({ type: 'document', vendorMediaId: `m-${message.id}`, mimeType: 'application/pdf', filename: fileName, caption: 'the contract' })],
    );
    await t.dataSource.query(
      `INSERT INTO media_file (message_id, tenant_id, provider_id, kind, status, storage_key, mime_type, file_name, size, sha256, expires_at, stored_at, scanned_at)
       VALUES ($1, $2, $3, 'document', 'available', $4, 'application/pdf', $5, $6, $7, now() + interval '1 hour', now(), now())`,
      [message.id, tenant.tenantId, provider.id, key, fileName, size, sha256],
    );
    return { ...message, key, path: join(dir, key), sha256, size };
  }

  const mediaFileRows = async (ids: string[]) =>
    (await t.dataSource.query<{ message_id: string }[]>('SELECT message_id FROM media_file WHERE message_id = ANY($1)', [ids])).map((r) => r.message_id);
  const deletionRows = (keys: string[]) =>
    t.dataSource.query<{ storage_key: string; attempts: number; last_error: string | null }[]>(
      'SELECT storage_key, attempts, last_error FROM media_deletion WHERE storage_key = ANY($1)',
      [keys],
    );

  it('shows the stored file on the message and in the conversation list, in the statement that loads the messages', async () => {
    const first = await storeDocument(await inbound('31611110001', 'wamid.res-1'), 'contract.pdf', 'one');
    const single = await t.http().get(`/api/v1/messages/${first.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(single.body.media).toEqual({
      type: 'document',
      mimeType: 'application/pdf',
      fileName: 'contract.pdf',
      size: first.size,
      sha256: first.sha256,
      caption: 'the contract',
      status: 'available',
      reason: null,
    });

    // Not yet downloaded, then quarantined: the row's state and reason, the vendor's label until sniffed.
    await t.dataSource.query(`UPDATE media_file SET status = 'pending', storage_key = NULL, size = NULL, sha256 = NULL, mime_type = NULL WHERE message_id = $1`, [first.id]);
    const pending = await t.http().get(`/api/v1/messages/${first.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(pending.body.media).toMatchObject({ mimeType: 'application/pdf', size: null, sha256: null, status: 'pending', reason: null });
    await t.dataSource.query(`UPDATE media_file SET status = 'quarantined', reason = 'Eicar-Signature' WHERE message_id = $1`, [first.id]);
    const quarantined = await t.http().get(`/api/v1/messages/${first.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(quarantined.body.media).toMatchObject({ status: 'quarantined', reason: 'Eicar-Signature' });

    // Media from before Parley kept files has no row: it will never be downloaded.
    await t.dataSource.query('DELETE FROM media_file WHERE message_id = $1', [first.id]);
    const legacy = await t.http().get(`/api/v1/messages/${first.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(legacy.body.media).toMatchObject({ type: 'document', fileName: 'contract.pdf', status: 'expired', reason: expect.any(String) });

    // The list costs the same statements with one media message as with three. Background claims (the
    // dispatcher's and webhook processor's polls, `FOR UPDATE SKIP LOCKED`) share the pool: they are not the list's.
    const listStatements = () => counter.statements().filter((sql) => !/SKIP LOCKED/.test(sql));
    const list = () => t.http().get(`/api/v1/conversations/${first.conversationId}/messages`).set('Authorization', tenant.auth()).expect(200);
    await list();
    const counter = countStatements(t.dataSource);
    try {
      await list();
      const withOne = listStatements().length;
      await storeDocument(await inbound('31611110001', 'wamid.res-2'), 'two.pdf', 'two');
      await storeDocument(await inbound('31611110001', 'wamid.res-3'), 'three.pdf', 'three');
      counter.reset();
      const listed = await list();
      expect(listStatements()).toHaveLength(withOne);
      const byVendorId = new Map<string, { media: Record<string, unknown> }>(
        (listed.body.items as { vendorMessageId: string; media: Record<string, unknown> }[]).map((m) => [m.vendorMessageId, m]),
      );
      expect(byVendorId.get('wamid.res-2')?.media).toMatchObject({ fileName: 'two.pdf', status: 'available', size: expect.any(Number) });
      expect(byVendorId.get('wamid.res-3')?.media).toMatchObject({ fileName: 'three.pdf', status: 'available' });
      expect(byVendorId.get('wamid.res-1')?.media).toMatchObject({ status: 'expired' });
    } finally {
      counter.stop();
    }
  });

  it('erasing a contact deletes their files with their rows, and no one else’s', async () => {
    const a1 = await storeDocument(await inbound('31622220001', 'wamid.erase-a1'), 'passport.pdf', 'a1');
    const a2 = await storeDocument(await inbound('31622220001', 'wamid.erase-a2'), 'payslip.pdf', 'a2');
    const other = await storeDocument(await inbound('31622220002', 'wamid.erase-b1'), 'invoice.pdf', 'b1');
    expect([a1, a2, other].every((f) => existsSync(f.path))).toBe(true);

    await t.http().delete(`/api/v1/contacts/${a1.contactId}`).set('Authorization', tenant.auth('admin')).expect(204);

    expect(existsSync(a1.path)).toBe(false);
    expect(existsSync(a2.path)).toBe(false);
    expect(existsSync(other.path)).toBe(true);
    expect(await mediaFileRows([a1.id, a2.id, other.id])).toEqual([other.id]);
    expect(await deletionRows([a1.key, a2.key])).toEqual([]);
    const [audit] = await t.dataSource.query<{ changes: Record<string, number> }[]>(
      `SELECT changes FROM audit_log WHERE tenant_id = $1 AND action = 'contact.erased' ORDER BY created_at DESC LIMIT 1`,
      [tenant.tenantId],
    );
    expect(audit.changes).toMatchObject({ messages: 2, mediaFiles: 2 });
  });

  it('retention deletes the files of the messages it deletes, in the same run', async () => {
    const old = await storeDocument(await inbound('31633330001', 'wamid.keep-old'), 'old.pdf', 'old');
    const recent = await storeDocument(await inbound('31633330001', 'wamid.keep-new'), 'new.pdf', 'new');
    await t.dataSource.query(`UPDATE message SET created_at = now() - interval '40 days' WHERE id = $1`, [old.id]);
    await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ retentionDays: 30 }).expect(200);
    try {
      expect(await t.app.get(MessageRetentionJob).run()).toBeGreaterThanOrEqual(1);
    } finally {
      await t.http().patch('/api/v1/admin/settings').set('Authorization', tenant.auth('admin')).send({ retentionDays: null }).expect(200);
    }

    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(recent.path)).toBe(true);
    expect(await mediaFileRows([old.id, recent.id])).toEqual([recent.id]);
    expect(await deletionRows([old.key])).toEqual([]);
  });

  it('a customer’s revoke drops the media row at once and lists the file, which the next deletePending removes', async () => {
    const revoked = await storeDocument(await inbound('31644440001', 'wamid.revoke-me'), 'oops.pdf', 'oops');
    const revoke = JSON.parse(metaInboundText('31644440001', 'x', 'wamid.revoke-1')) as {
      entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[];
    };
    const [message] = revoke.entry[0].changes[0].value.messages;
    delete message.text;
    Object.assign(message, { type: 'revoke', revoke: { original_message_id: 'wamid.revoke-me' } });
    await postMeta(JSON.stringify(revoke));

    await waitFor(async () => (await mediaFileRows([revoked.id])).length === 0, 10_000);
    expect(await deletionRows([revoked.key])).toEqual([{ storage_key: revoked.key, attempts: 0, last_error: null }]);
    const view = await t.http().get(`/api/v1/messages/${revoked.id}`).set('Authorization', tenant.auth()).expect(200);
    expect(view.body).toMatchObject({ media: null, deletedAt: expect.any(String) });

    // Another runner (media-rescan) may have taken it already: either way it is gone.
    await t.app.get(MediaDeletionService).deletePending();
    expect(existsSync(revoked.path)).toBe(false);
    expect(await deletionRows([revoked.key])).toEqual([]);
  });

  it('a file that will not delete stays listed with a backoff (its row gone) until a later run removes it', async () => {
    const stuck = await storeDocument(await inbound('31655550001', 'wamid.stuck'), 'stuck.pdf', 'stuck');
    const fine = await storeDocument(await inbound('31655550001', 'wamid.fine'), 'fine.pdf', 'fine');
    // A real failure, no stand-in: where the file was there is now a folder with something in it, which unlink refuses.
    const stuckBytes = readFileSync(stuck.path);
    rmSync(stuck.path);
    mkdirSync(stuck.path);
    writeFileSync(join(stuck.path, 'lock'), 'x');

    await t.http().delete(`/api/v1/contacts/${stuck.contactId}`).set('Authorization', tenant.auth('admin')).expect(204);

    expect(existsSync(stuck.path)).toBe(true);
    expect(existsSync(fine.path)).toBe(false);
    expect(await mediaFileRows([stuck.id, fine.id])).toEqual([]);
    expect(await deletionRows([stuck.key, fine.key])).toEqual([{ storage_key: stuck.key, attempts: 1, last_error: expect.stringMatching(/EISDIR|EPERM/) }]);
    const [{ wait }] = await t.dataSource.query<{ wait: number }[]>(
      'SELECT extract(epoch FROM next_attempt_at - now())::float AS wait FROM media_deletion WHERE storage_key = $1',
      [stuck.key],
    );
    expect(wait).toBeGreaterThan(30);

    // Still failing and not yet due: left alone.
    const deletion = t.app.get(MediaDeletionService);
    expect(await deletion.deletePending()).toMatchObject({ failed: 0 });
    expect(existsSync(stuck.path)).toBe(true);

    rmSync(stuck.path, { recursive: true });
    writeFileSync(stuck.path, stuckBytes);
    await t.dataSource.query(`UPDATE media_deletion SET next_attempt_at = now() - interval '1 second' WHERE storage_key = $1`, [stuck.key]);
    expect(await deletion.deletePending()).toMatchObject({ deleted: expect.any(Number), failed: 0 });
    expect(existsSync(stuck.path)).toBe(false);
    expect(await deletionRows([stuck.key])).toEqual([]);
  });
});
