import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { createApp } from '../../src/app.factory';
import { JobRunner } from '../../src/common/jobs/job-runner';
import { loadConfig } from '../../src/config/app-config';
import { OutboundRecoveryJob } from '../../src/modules/conversations/jobs/outbound-recovery.job';
import { FakeVendor } from '../support/fake-vendor';
import { createProvider, metaInboundText, metaProvider, metaSent, waitForStatus, type CreatedProvider } from '../support/messaging';
import { metaSignature } from '../support/signing';
import { waitFor } from '../support/spawn';
import { freePort, startTestApp, type TestApp, type TestTenant } from '../support/test-app';

const APP_SECRET = 'meta-app-secret';
const DASHBOARD = join(__dirname, '../../docker/grafana/parley-dashboard.json');

/** Every series the operations issue lists, as the names /metrics must show. */
const SERIES = [
  'parley_messages_total',
  'parley_send_latency_seconds',
  'parley_vendor_errors_total',
  'parley_webhook_events_total',
  'parley_webhook_ack_seconds',
  'parley_webhook_processing_lag_seconds',
  'parley_webhook_processing_total',
  'parley_queue_jobs',
  'parley_budget_usage_ratio',
  'parley_budgets_exhausted',
  'parley_consent_changes_total',
  'parley_cron_runs_total',
  'parley_cron_duration_seconds',
];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** A metric family's name from a sample's: histograms' _bucket/_sum/_count belong to their family. */
function family(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

function metaStatus(id: string, status: string, errors?: Record<string, unknown>[]): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              statuses: [{ id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '31612345678', ...(errors ? { errors } : {}) }],
            },
          },
        ],
      },
    ],
  });
}

describe('metrics (#16): every series after real traffic, and the Grafana dashboard built on them', () => {
  let t: TestApp;
  let meta: FakeVendor;
  let tenant: TestTenant;
  let provider: CreatedProvider;

  beforeAll(async () => {
    t = await startTestApp();
    meta = await FakeVendor.start();
    tenant = await t.createTenant('Metrics');
    provider = await createProvider(t, tenant, metaProvider(meta.url));
  });
  afterAll(async () => {
    await t.close();
    await meta.close();
  });

  const path = () => new URL(provider.webhookUrl).pathname;
  const postMeta = (body: string, signature = metaSignature(APP_SECRET, body)) =>
    t.http().post(path()).set('Content-Type', 'application/json').set('X-Hub-Signature-256', signature).send(body);
  const scrape = async () => parseExposition((await t.http().get('/metrics').expect(200)).text);
  const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  it('counts messages, sends, statuses, webhooks, consent, jobs, queues and budgets with low-cardinality labels', async () => {
    // Every log call, whatever the level lets through (the suite runs silent).
    const logged = jest.spyOn(Logger.prototype, 'log');
    const before = await scrape();
    await t.http().post('/api/v1/admin/budgets').set('Authorization', tenant.auth('admin')).send({ providerId: provider.id, period: 'daily', maxMessages: 4, hardStop: false }).expect(201);

    // A customer writes in (a webhook through fake Meta), and a repeat of the same delivery, and a forged one.
    const inbound = metaInboundText('31612345678', 'Hallo', 'wamid.metrics-in-1');
    await postMeta(inbound).expect(200);
    await postMeta(inbound).expect(200);
    await postMeta(inbound, 'sha256=' + '0'.repeat(64)).expect(400);
    const [{ id: contactId }] = await waitFor(async () => {
      const rows = await t.dataSource.query<{ id: string }[]>(`SELECT contact_id AS id FROM message WHERE vendor_message_id = 'wamid.metrics-in-1'`);
      return rows.length > 0 ? rows : undefined;
    }, 10_000);

    // A reply, sent by fake Meta, then delivered.
    meta.on('POST', '/v21.0/106540352242922/messages', () => metaSent('wamid.metrics-out-1'));
    const reply = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', text: 'Hoi!' }).expect(202);
    await waitForStatus(t, tenant, (reply.body as { id: string }).id, ['sent']);
    await postMeta(metaStatus('wamid.metrics-out-1', 'delivered')).expect(200);
    await waitForStatus(t, tenant, (reply.body as { id: string }).id, ['delivered']);

    // A send the vendor refuses for good.
    meta.reset();
    meta.on('POST', '/v21.0/106540352242922/messages', () => ({ status: 400, json: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } } }));
    const refused = await t.http().post('/api/v1/messages').set('Authorization', tenant.auth()).send({ contactId, channel: 'whatsapp', text: 'Nog iets' }).expect(202);
    await waitForStatus(t, tenant, (refused.body as { id: string }).id, ['failed']);

    // STOP: a consent change by keyword.
    await postMeta(metaInboundText('31612345678', 'STOP', 'wamid.metrics-in-2')).expect(200);
    await waitFor(async () => {
      const rows = await t.dataSource.query(`SELECT 1 FROM messaging_consent_record WHERE contact_id = $1 AND status = 'opted_out'`, [contactId]);
      return rows.length > 0 || undefined;
    }, 10_000);

    // A job run.
    await t.app.get(JobRunner).run(t.app.get(OutboundRecoveryJob), 'manual');

    const after = await waitFor(async () => {
      const samples = await scrape();
      return value(samples, 'parley_consent_changes_total', { direction: 'opted_out' }) > value(before, 'parley_consent_changes_total', { direction: 'opted_out' }) ? samples : undefined;
    }, 10_000);
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    expect(delta('parley_messages_total', { vendor: 'meta', channel: 'whatsapp', direction: 'inbound', status: 'received' })).toBe(2);
    expect(delta('parley_messages_total', { vendor: 'meta', direction: 'outbound', status: 'queued' })).toBeGreaterThanOrEqual(2);
    expect(delta('parley_messages_total', { vendor: 'meta', direction: 'outbound', status: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(delta('parley_messages_total', { vendor: 'meta', direction: 'outbound', status: 'delivered' })).toBe(1);
    expect(delta('parley_messages_total', { vendor: 'meta', direction: 'outbound', status: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(delta('parley_send_latency_seconds_count', { vendor: 'meta', channel: 'whatsapp' })).toBeGreaterThanOrEqual(1);
    expect(delta('parley_vendor_errors_total', { vendor: 'meta' })).toBeGreaterThanOrEqual(1);
    expect(delta('parley_webhook_events_total', { vendor: 'meta', result: 'accepted' })).toBe(3);
    expect(delta('parley_webhook_events_total', { vendor: 'meta', result: 'duplicate' })).toBe(1);
    expect(delta('parley_webhook_events_total', { vendor: 'meta', result: 'invalid_signature' })).toBe(1);
    expect(delta('parley_webhook_ack_seconds_count', { vendor: 'meta' })).toBe(4);
    expect(delta('parley_webhook_processing_lag_seconds_count', { vendor: 'meta' })).toBe(3);
    expect(delta('parley_webhook_processing_total', { vendor: 'meta', outcome: 'processed' })).toBe(3);
    expect(delta('parley_consent_changes_total', { channel: 'whatsapp', direction: 'opted_out', source: 'keyword' })).toBe(1);
    expect(delta('parley_cron_runs_total', { job: 'outbound-recovery', outcome: 'ran' })).toBeGreaterThanOrEqual(1);
    expect(delta('parley_cron_duration_seconds_count', { job: 'outbound-recovery' })).toBeGreaterThanOrEqual(1);
    // Read at scrape time: every Bull queue, and the budget (one sent message of four: a quarter).
    for (const queue of ['media', 'event-delivery', 'alert-webhook']) {
      expect(after.some((s) => s.name === 'parley_queue_jobs' && s.labels.queue === queue && s.labels.state === 'failed')).toBe(true);
    }
    expect(value(after, 'parley_budget_usage_ratio', { period: 'daily', kind: 'messages' })).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'parley_budgets_exhausted' && s.labels.period === 'daily')).toBe(true);

    for (const name of SERIES) expect(after.some((s) => family(s.name) === name)).toBe(true);

    // One structured line per state change, per processed webhook event and per job run; numbers masked.
    const lines = logged.mock.calls.map(([fields, message]) => ({ fields: fields as Record<string, unknown>, message }));
    logged.mockRestore();
    const replyId = (reply.body as { id: string }).id;
    const states = lines.filter((l) => l.message === 'message status' && l.fields.messageId === replyId).map((l) => l.fields);
    // Announced after their commits, each exactly once (the sent and delivered lines may race each other).
    expect(states.map((f) => f.status).sort()).toEqual(['delivered', 'queued', 'sending', 'sent']);
    expect(states.find((f) => f.status === 'sent')).toMatchObject({ providerId: provider.id, vendor: 'meta', vendorMessageId: 'wamid.metrics-out-1' });
    // The vendor's address of the contact (WhatsApp: the wa_id, without "+"), masked.
    for (const f of states) expect(f.phone).toMatch(/^\+?\*{7}5678$/);
    const refusedState = lines.find((l) => l.message === 'message status' && l.fields.messageId === (refused.body as { id: string }).id && l.fields.status === 'failed');
    expect(refusedState?.fields.errorCode).toEqual(expect.any(String));
    const inboundState = lines.find((l) => l.message === 'message status' && l.fields.vendorMessageId === 'wamid.metrics-in-1');
    expect(inboundState?.fields).toMatchObject({ direction: 'inbound', status: 'received', phone: '*******5678' });
    expect(JSON.stringify(lines.filter((l) => l.message === 'message status'))).not.toContain('31612345678');
    const processed = lines.filter((l) => l.message === 'webhook event processed');
    expect(processed).toHaveLength(3);
    expect(processed[0].fields).toMatchObject({ providerId: provider.id, vendor: 'meta', items: 1, outcome: 'processed' });
    expect(lines.find((l) => l.message === 'job run')?.fields).toMatchObject({ job: 'outbound-recovery', trigger: 'manual', outcome: 'ran' });
    // Low cardinality: no label value is an id of a tenant, provider, contact or message.
    const ids = [tenant.tenantId, provider.id, contactId, (reply.body as { id: string }).id];
    for (const s of after.filter((sample) => sample.name.startsWith('parley_'))) {
      for (const v of Object.values(s.labels)) expect(ids).not.toContain(v);
    }
  });

  it('the Grafana dashboard queries only series /metrics exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    // Declared families (`# TYPE`), whether or not they have counted anything yet.
    const text = (await t.http().get('/metrics').expect(200)).text;
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(SERIES.length);
    const used = new Set<string>();
    for (const expr of exprs) {
      // Metric names in PromQL: parley_* identifiers (functions, labels and keywords are not prefixed).
      const names = expr.match(/\bparley_[a-zA-Z0-9_:]+/g) ?? [];
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) used.add(family(name));
    }
    for (const name of used) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    // And every listed series has a panel.
    for (const name of SERIES) expect(used).toContain(name);
  });

  it('a worker, which serves no HTTP, answers GET /metrics on METRICS_PORT', async () => {
    const port = await freePort();
    const config = loadConfig({ ...process.env, APP_ROLE: 'worker', METRICS_PORT: String(port), QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:${process.pid}:worker-metrics` });
    const worker = await createApp(config);
    await worker.init();
    try {
      // Its crons are not what this test is about.
      const scheduler = worker.get(SchedulerRegistry, { strict: false });
      for (const job of scheduler.getCronJobs().values()) void job.stop();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      for (const name of SERIES) expect(text).toContain(`# TYPE ${name} `);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(404);
    } finally {
      await worker.close();
    }
    // Closed with the worker.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
