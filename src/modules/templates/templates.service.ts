import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { Clock } from '../../common/clock/clock';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import { storableDeep } from '../../common/text/storable-text';
import { isUniqueViolation } from '../../database/postgres-errors';
import type { TemplateComponent, TemplateStatusEvent, VendorTemplate } from '../providers/adapters/channel-adapter';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';
import type { CreateTemplateDto, TemplateQueryDto, TemplateResponse } from './dto/template.dto';
import { MessageTemplate } from './message-template.entity';
import { formatOf, placeholdersOf, render } from './template-text';
import { outboxIds, rowEventsSql } from '../events/event-snapshots';

export const APPROVED = 'APPROVED';
export const PENDING = 'PENDING';
/** Set by the sync when a template is gone from the vendor's list. */
export const DELETED = 'DELETED';

export interface SyncSummary {
  providers: number;
  templates: number;
  changed: number;
  failedProviderIds: string[];
}

/** Templates: submitted or registered by admins, kept in step with the vendor by sync and status webhooks. */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger(TemplatesService.name);

  constructor(
    @InjectRepository(MessageTemplate) private readonly templates: Repository<MessageTemplate>,
    @InjectRepository(ChannelProvider) private readonly providerRows: Repository<ChannelProvider>,
    private readonly providers: ProvidersService,
    private readonly audit: AuditLogService,
    private readonly clock: Clock,
  ) {}

  /**
   * Submits a new template to the vendor where it has a template API (stored PENDING, then as the vendor
   * answers), registers a vendor-side one by its id (Twilio ContentSid; its approval comes with the next
   * sync), or, for vendors without a template API, records one the admin had approved at the vendor.
   *
   * A submitted template is saved before the vendor is called: a vendor may send its approval webhook before
   * its answer to the submission arrives (the sandbox does), and that webhook must find the row.
   */
  async create(principal: Principal, dto: CreateTemplateDto): Promise<MessageTemplate> {
    const provider = await this.providers.get(principal.tenantId, dto.providerId);
    if (provider.channel !== 'whatsapp') throw new ValidationFailedError({ providerId: 'templates are for WhatsApp providers' });
    const adapter = this.providers.adapterFor(provider);
    const components = componentsOf(dto);
    const parameterFormat = formatOf([dto.header, dto.body]);
    const submit = adapter.createTemplate && !dto.vendorTemplateId ? adapter.createTemplate.bind(adapter) : undefined;
    let status: string;
    if (submit) {
      status = PENDING;
    } else if (adapter.listTemplates) {
      if (!dto.vendorTemplateId) {
        throw new ValidationFailedError({ vendorTemplateId: `${provider.vendor} templates are created at the vendor: give its id` });
      }
      status = PENDING;
    } else {
      status = APPROVED;
    }
    let saved: MessageTemplate;
    try {
      saved = await this.templates.manager.transaction(async (manager) => {
        const row = await manager.getRepository(MessageTemplate).save(
          manager.getRepository(MessageTemplate).create({
            tenantId: principal.tenantId,
            providerId: provider.id,
            name: dto.name,
            language: dto.language,
            category: dto.category,
            status,
            parameterFormat,
            components,
            placeholders: placeholdersOf(components, parameterFormat),
            vendorTemplateId: dto.vendorTemplateId ?? null,
            rejectionReason: null,
          }),
        );
        await this.audit.record(
          {
            tenantId: principal.tenantId,
            actor: principal.sub,
            action: 'template.created',
            entityType: 'message_template',
            entityId: row.id,
            changes: { name: dto.name, language: dto.language, status },
          },
          manager,
        );
        return row;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'message_template_identity_unique')) {
        throw new ConflictError('This provider already has a template with this name and language.', { name: dto.name, language: dto.language });
      }
      throw e;
    }
    if (!submit) return saved;

    let created: { vendorTemplateId?: string; status: string };
    try {
      created = await submit(this.providers.context(provider), {
        name: dto.name,
        language: dto.language,
        category: dto.category,
        parameterFormat,
        components: withExamples(components, parameterFormat),
      });
    } catch (e) {
      // The vendor has no such template: neither may Parley (the admin can submit it again).
      await this.templates.manager.transaction(async (manager) => {
        await manager.getRepository(MessageTemplate).delete({ id: saved.id });
        await this.audit.record(
          {
            tenantId: principal.tenantId,
            actor: principal.sub,
            action: 'template.submission_failed',
            entityType: 'message_template',
            entityId: saved.id,
            changes: { name: dto.name, language: dto.language },
          },
          manager,
        );
      });
      throw e;
    }
    return this.templates.manager.transaction(async (manager) => {
      const repository = manager.getRepository(MessageTemplate);
      const current = await repository.findOneOrFail({ where: { id: saved.id }, lock: { mode: 'pessimistic_write' } });
      if (created.vendorTemplateId && !current.vendorTemplateId) {
        await repository.update({ id: current.id }, { vendorTemplateId: created.vendorTemplateId });
      }
      // A status webhook that came first already moved the template on: the submission's answer is older news.
      if (current.status === PENDING) await this.changeStatus(manager, current, created.status.toUpperCase(), null, 'submission');
      return repository.findOneByOrFail({ id: current.id });
    });
  }

  list(tenantId: string, query: TemplateQueryDto): Promise<Page<MessageTemplate>> {
    const qb = this.templates.createQueryBuilder('t').where('t.tenantId = :tenantId', { tenantId });
    if (query.providerId) qb.andWhere('t.providerId = :providerId', { providerId: query.providerId });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status.toUpperCase() });
    return paginate(qb, {
      sortColumn: 't.createdAt',
      idColumn: 't.id',
      position: (t) => ({ sort: t.createdAt, id: t.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  /** Syncs every active WhatsApp provider with a template API (of one tenant, or all); one failing provider stops none of the others. */
  async sync(tenantId?: string): Promise<SyncSummary> {
    const providers = await this.providerRows.find({ where: { channel: 'whatsapp', active: true, ...(tenantId ? { tenantId } : {}) } });
    const summary: SyncSummary = { providers: 0, templates: 0, changed: 0, failedProviderIds: [] };
    for (const provider of providers) {
      const adapter = this.providers.adapterFor(provider);
      if (!adapter.listTemplates) continue;
      summary.providers += 1;
      try {
        // Vendor text goes into text and jsonb columns: nothing PostgreSQL cannot hold (NUL) may fail the sync.
        const vendorTemplates = (await adapter.listTemplates(this.providers.context(provider))).map((t) => storableDeep(t));
        const changed = await this.templates.manager.transaction((manager) => this.applySync(manager, provider, vendorTemplates));
        summary.templates += vendorTemplates.length;
        summary.changed += changed;
      } catch (e) {
        summary.failedProviderIds.push(provider.id);
        this.logger.error({ providerId: provider.id, vendor: provider.vendor, err: e }, 'template sync failed for a provider');
      }
    }
    return summary;
  }

  /** Meta's message_template_status_update: the same change a sync would make, at once. */
  async applyStatusEvent(manager: EntityManager, provider: ChannelProvider, event: TemplateStatusEvent): Promise<void> {
    const repository = manager.getRepository(MessageTemplate);
    const template =
      (event.vendorTemplateId ? await repository.findOneBy({ providerId: provider.id, vendorTemplateId: event.vendorTemplateId }) : null) ??
      (await repository.findOneBy({ providerId: provider.id, name: event.name, language: event.language }));
    if (!template) {
      this.logger.warn({ providerId: provider.id, name: event.name }, 'status update for a template not synced yet; the next sync brings it');
      return;
    }
    await this.changeStatus(manager, template, event.status.toUpperCase(), event.reason ?? null, 'webhook');
  }

  toResponse(t: MessageTemplate): TemplateResponse {
    const parameters = t.placeholders.BODY ?? [];
    return {
      id: t.id,
      providerId: t.providerId,
      name: t.name,
      language: t.language,
      category: t.category,
      status: t.status.toLowerCase(),
      parameterFormat: t.parameterFormat === 'NAMED' ? 'named' : 'positional',
      parameters,
      preview: render(t.components, {}),
      components: t.components,
      vendorTemplateId: t.vendorTemplateId,
      rejectionReason: t.rejectionReason,
      lastSyncedAt: t.lastSyncedAt?.toISOString() ?? null,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }

  async get(tenantId: string, id: string): Promise<MessageTemplate> {
    const template = await this.templates.findOneBy({ id, tenantId });
    if (!template) throw new NotFoundError('Template');
    return template;
  }

  private async applySync(manager: EntityManager, provider: ChannelProvider, vendorTemplates: VendorTemplate[]): Promise<number> {
    const repository = manager.getRepository(MessageTemplate);
    const known = await repository.findBy({ providerId: provider.id });
    const now = this.clock.now();
    const seen = new Set<string>();
    let changed = 0;
    for (const vendor of vendorTemplates) {
      const existing =
        (vendor.vendorTemplateId && known.find((t) => t.vendorTemplateId === vendor.vendorTemplateId)) ||
        known.find((t) => t.name === vendor.name && t.language === vendor.language);
      const placeholders = placeholdersOf(vendor.components, vendor.parameterFormat);
      if (existing) {
        seen.add(existing.id);
        const statusChanged = existing.status !== vendor.status.toUpperCase();
        await repository.update(
          { id: existing.id },
          {
            name: vendor.name,
            language: vendor.language,
            category: vendor.category || existing.category,
            parameterFormat: vendor.parameterFormat,
            components: vendor.components,
            placeholders,
            vendorTemplateId: vendor.vendorTemplateId ?? existing.vendorTemplateId,
            lastSyncedAt: now,
          },
        );
        if (statusChanged) {
          await this.changeStatus(manager, existing, vendor.status.toUpperCase(), vendor.rejectionReason ?? null, 'sync');
          changed += 1;
        }
      } else {
        const created = await repository.save(
          repository.create({
            tenantId: provider.tenantId,
            providerId: provider.id,
            name: vendor.name,
            language: vendor.language,
            category: vendor.category,
            status: vendor.status.toUpperCase(),
            parameterFormat: vendor.parameterFormat,
            components: vendor.components,
            placeholders,
            vendorTemplateId: vendor.vendorTemplateId ?? null,
            rejectionReason: vendor.rejectionReason ?? null,
            lastSyncedAt: now,
          }),
        );
        seen.add(created.id);
      }
    }
    for (const gone of known.filter((t) => !seen.has(t.id) && t.status !== DELETED)) {
      await this.changeStatus(manager, gone, DELETED, null, 'sync');
      changed += 1;
    }
    return changed;
  }

  private async changeStatus(
    manager: EntityManager,
    template: MessageTemplate,
    status: string,
    reason: string | null,
    via: 'sync' | 'webhook' | 'submission',
  ): Promise<void> {
    if (template.status === status) return;
    // The change and its template.status event, in one statement.
    await manager.query(
      `WITH t AS (
         UPDATE message_template SET status = $2, rejection_reason = $3, last_synced_at = $4, updated_at = now()
         WHERE id = $1
         RETURNING *
       )
       ${rowEventsSql('template.status', 't', { idsParam: '$5', orderBy: 't.id', occurredAt: 't.updated_at' })}`,
      [template.id, status, reason, this.clock.now(), outboxIds(1)],
    );
    await this.audit.record(
      {
        tenantId: template.tenantId,
        actor: 'system',
        action: 'template.status_changed',
        entityType: 'message_template',
        entityId: template.id,
        changes: { name: template.name, language: template.language, from: template.status, to: status, via },
      },
      manager,
    );
    this.logger.log({ templateId: template.id, from: template.status, to: status, via }, 'template status changed');
  }
}

function componentsOf(dto: CreateTemplateDto): TemplateComponent[] {
  const components: TemplateComponent[] = [];
  if (dto.header) components.push({ type: 'HEADER', format: 'TEXT', text: dto.header });
  components.push({ type: 'BODY', text: dto.body });
  if (dto.footer) components.push({ type: 'FOOTER', text: dto.footer });
  if (dto.buttons?.length) {
    components.push({ type: 'BUTTONS', buttons: dto.buttons.map((b) => ({ type: b.type, text: b.text, url: b.url, phone_number: b.phone_number })) });
  }
  return components;
}

/** Meta reviews templates with variables only when they carry example values; sample ones are enough. */
function withExamples(components: TemplateComponent[], format: 'POSITIONAL' | 'NAMED'): TemplateComponent[] {
  return components.map((component) => {
    const names = placeholdersOf([component], format)[component.type] ?? [];
    if (names.length === 0 || (component.type !== 'BODY' && component.type !== 'HEADER')) return component;
    const samples = names.map((name) => `sample ${name}`);
    const key = component.type === 'BODY' ? 'body' : 'header';
    const example =
      format === 'NAMED'
        ? { [`${key}_text_named_params`]: names.map((name, i) => ({ param_name: name, example: samples[i] })) }
        : { [`${key}_text`]: key === 'body' ? [samples] : samples };
    return { ...component, example } as TemplateComponent;
  });
}
