import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { ManualClock } from '../../common/clock/clock';
import { AlertDeliveryQueue } from '../budgets/alert-delivery.queue';
import { Notification } from '../budgets/notification.entity';
import { NotificationsService } from '../budgets/notifications.service';
import { Message } from '../conversations/message.entity';
import { MessagesService } from '../conversations/messages.service';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { MessageTemplate } from '../templates/message-template.entity';
import { TemplatesService } from '../templates/templates.service';
import { EventDataMapper, type OutboxRow } from './event-data.mapper';
import { messageSnapshotSql } from './event-snapshots';

// Snapshots are real rows: PostgreSQL (the test run's migrated database) builds each table's row type from
// the values and snapshots it with to_jsonb, as the producers do; only the mapping runs here.
describe('EventDataMapper', () => {
  let dataSource: DataSource;
  let mapper: EventDataMapper;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      entities: [join(__dirname, '..', '..', '**', '*.entity.ts')],
      extra: { max: 1 },
    }).initialize();
    // Only the resource mappers run: nothing here touches the vendors, the audit log or the alert queue.
    const templates = new TemplatesService(
      dataSource.getRepository(MessageTemplate),
      dataSource.getRepository(ChannelProvider),
      Object.create(ProvidersService.prototype) as ProvidersService,
      Object.create(AuditLogService.prototype) as AuditLogService,
      new ManualClock(),
    );
    const notifications = new NotificationsService(
      dataSource.getRepository(Notification),
      dataSource,
      Object.create(AlertDeliveryQueue.prototype) as AlertDeliveryQueue,
    );
    mapper = new EventDataMapper(dataSource, new MessagesService(dataSource.getRepository(Message)), templates, notifications);
  });

  afterAll(() => dataSource.destroy());

  async function snapshot(table: string, values: Record<string, unknown>, expression = 'to_jsonb(r)'): Promise<Record<string, unknown>> {
    const [row] = await dataSource.query<{ data: Record<string, unknown> }[]>(
      `SELECT ${expression} AS data FROM jsonb_populate_record(NULL::${table}, $1::jsonb) r`,
      [JSON.stringify(values)],
    );
    return row.data;
  }

  function outbox(type: string, data: Record<string, unknown>): OutboxRow {
    return { id: '0190a6a0-0000-7000-8000-000000000001', type, tenant_id: 'a6d4b0b6-6a1b-4a53-9e55-0e4c3c1b6f01', occurred_at: new Date('2026-11-29T10:00:00.123Z'), data };
  }

  const message = {
    id: '0190a6a0-1111-7000-8000-000000000001',
    tenant_id: 'a6d4b0b6-6a1b-4a53-9e55-0e4c3c1b6f01',
    conversation_id: '0190a6a0-2222-7000-8000-000000000001',
    contact_id: '0190a6a0-3333-7000-8000-000000000001',
    provider_id: '0190a6a0-4444-7000-8000-000000000001',
    direction: 'outbound',
    channel: 'whatsapp',
    status: 'failed',
    type: 'text',
    priority: 'normal',
    text: 'Hello',
    error_code: 'VENDOR_REJECTED',
    vendor_error_code: '131026',
    vendor_error_message: 'Message undeliverable',
    cost_amount: '0.01234567',
    cost_currency: 'USD',
    created_at: '2026-11-29T09:59:00.001Z',
    sent_at: '2026-11-29T09:59:01.5Z',
    failed_at: '2026-11-29T09:59:02Z',
  };

  it('maps a message snapshot to the message resource, money exact', async () => {
    const data = await snapshot('message', message, messageSnapshotSql('r'));
    const [payload] = await mapper.toPayloads([outbox('message.failed', data)]);
    expect(payload).toMatchObject({
      id: '0190a6a0-0000-7000-8000-000000000001',
      type: 'message.failed',
      tenantId: 'a6d4b0b6-6a1b-4a53-9e55-0e4c3c1b6f01',
      occurredAt: '2026-11-29T10:00:00.123Z',
    });
    expect(payload.data).toMatchObject({
      id: message.id,
      status: 'failed',
      errorCode: 'VENDOR_REJECTED',
      vendorErrorCode: '131026',
      costAmount: '0.01234567',
      costEur: null,
      createdAt: '2026-11-29T09:59:00.001Z',
      sentAt: '2026-11-29T09:59:01.500Z',
      failedAt: '2026-11-29T09:59:02.000Z',
      deliveredAt: null,
      reactions: [],
      media: null,
      part: null,
    });
  });

  it('reports inbound media as pending without a file, and the file when the snapshot has one', async () => {
    const inbound = { ...message, direction: 'inbound', status: 'received', type: 'image', media: { type: 'image', mimeType: 'image/jpeg', caption: 'Look' }, error_code: null };
    const pending = await snapshot('message', inbound, messageSnapshotSql('r'));
    const withFile = { ...pending, media_file: { message_id: message.id, status: 'stored', file_name: 'photo.jpg', size: 2048, sha256: 'ab', mime_type: 'image/jpeg' } };
    const [a, b] = await mapper.toPayloads([outbox('message.received', pending), outbox('message.received', withFile)]);
    expect(a.data).toMatchObject({ media: { type: 'image', caption: 'Look', status: 'pending', size: null } });
    expect(b.data).toMatchObject({ media: { type: 'image', status: 'stored', fileName: 'photo.jpg', size: 2048, sha256: 'ab' } });
  });

  it('maps consent records, notifications and templates to their resources; contact.erased passes through', async () => {
    const consent = await snapshot('messaging_consent_record', {
      id: '0190a6a0-5555-7000-8000-000000000001',
      tenant_id: message.tenant_id,
      contact_id: message.contact_id,
      channel: 'whatsapp',
      status: 'opted_out',
      scope: 'all',
      source: 'keyword',
      evidence: 'STOP',
      recorded_by: 'contact',
      created_at: '2026-11-29T10:00:00Z',
    });
    const notification = await snapshot('notification', {
      id: '0190a6a0-6666-7000-8000-000000000001',
      tenant_id: message.tenant_id,
      type: 'budgetThreshold',
      budget_id: '0190a6a0-7777-7000-8000-000000000001',
      message: 'Budget at 80%',
      data: { threshold: 80, spentEur: '80.5' },
      dedup_key: 'k',
      created_at: '2026-11-29T10:00:00Z',
    });
    const template = await snapshot('message_template', {
      id: '0190a6a0-8888-7000-8000-000000000001',
      tenant_id: message.tenant_id,
      provider_id: message.provider_id,
      name: 'order_update',
      language: 'en',
      category: 'UTILITY',
      status: 'APPROVED',
      parameter_format: 'POSITIONAL',
      components: [{ type: 'BODY', text: 'Order {{1}} shipped' }],
      placeholders: { BODY: ['1'] },
      created_at: '2026-11-29T09:00:00Z',
      updated_at: '2026-11-29T10:00:00Z',
    });
    const erased = { contactId: message.contact_id, erasedAt: '2026-11-29T10:00:00.000Z', counts: { messages: 3 } };
    const payloads = await mapper.toPayloads([
      outbox('consent.changed', consent),
      outbox('budget.alert', notification),
      outbox('template.status', template),
      outbox('contact.erased', erased),
    ]);
    expect(payloads.map((p) => p.data)).toEqual([
      {
        id: '0190a6a0-5555-7000-8000-000000000001',
        contactId: message.contact_id,
        channel: 'whatsapp',
        status: 'opted_out',
        scope: 'all',
        source: 'keyword',
        evidence: 'STOP',
        vendorMessageId: null,
        recordedBy: 'contact',
        createdAt: '2026-11-29T10:00:00.000Z',
      },
      {
        id: '0190a6a0-6666-7000-8000-000000000001',
        type: 'budgetThreshold',
        budgetId: '0190a6a0-7777-7000-8000-000000000001',
        providerId: null,
        message: 'Budget at 80%',
        data: { threshold: 80, spentEur: '80.5' },
        createdAt: '2026-11-29T10:00:00.000Z',
      },
      expect.objectContaining({
        id: '0190a6a0-8888-7000-8000-000000000001',
        name: 'order_update',
        status: 'approved',
        parameterFormat: 'positional',
        parameters: ['1'],
        preview: 'Order {{1}} shipped',
        updatedAt: '2026-11-29T10:00:00.000Z',
        lastSyncedAt: null,
      }),
      erased,
    ]);
  });
});
