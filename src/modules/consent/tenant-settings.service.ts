import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IANAZone } from 'luxon';
import { Repository } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { ValidationFailedError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import type { Channel } from '../providers/provider-kind';
import { CacheInvalidationBus } from '../../common/cache/cache-invalidation.bus';
import { TtlCache } from '../../common/cache/ttl-cache';
import type { DuplicatePolicy, QuietHoursDto, SettingsResponse, UpdateSettingsDto } from './dto/settings.dto';
import { REQUIRED_OPT_OUT_KEYWORDS, withRequiredOptOuts } from './keywords';
import { TenantSettingsRow } from './tenant-settings.entity';

export type { DuplicatePolicy } from './dto/settings.dto';

const SETTINGS_TOPIC = 'tenant-settings';
/** How stale settings may be on an instance that missed an invalidation (Redis down). */
const SETTINGS_CACHE_TTL_MS = 30_000;

export interface TenantSettings {
  optOutKeywords: string[];
  optInKeywords: string[];
  optOutAcknowledgement: string;
  optInAcknowledgement: string;
  requireOptIn: Record<Channel, boolean>;
  retentionDays: number | null;
  quietHours: QuietHoursDto | null;
  timezone: string;
  duplicatePolicy: DuplicatePolicy;
  /** The tenant's choice; null: the environment's (`config.media.serveUnscannedByDefault`). */
  serveUnscannedMedia: boolean | null;
  /** The tenant's cap on business-initiated sends per minute; null: BUSINESS_SENDS_PER_MINUTE. */
  businessSendsPerMinute: number | null;
}

/** What a tenant gets until an admin changes it: industry keywords (Twilio's plus Dutch), WhatsApp opt-in required. */
export const DEFAULT_SETTINGS: TenantSettings = {
  optOutKeywords: ['STOP', 'STOPALL', 'UITSCHRIJVEN', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
  optInKeywords: ['START', 'YES', 'JA', 'UNSTOP'],
  optOutAcknowledgement: 'You have been unsubscribed and will receive no further messages. Reply START to subscribe again.',
  optInAcknowledgement: 'You are subscribed again. Reply STOP to unsubscribe.',
  requireOptIn: { whatsapp: true, sms: false },
  retentionDays: null,
  quietHours: null,
  timezone: 'UTC',
  duplicatePolicy: 'retry',
  serveUnscannedMedia: null,
  businessSendsPerMinute: null,
};

/**
 * Settings are read by every send and dispatch and changed by an admin now and then: they are cached per
 * tenant (frozen: callers share one copy) and dropped on every instance when an admin writes them.
 */
@Injectable()
export class TenantSettingsService {
  private readonly cache = new TtlCache<Readonly<TenantSettings>>(SETTINGS_CACHE_TTL_MS);

  constructor(
    @InjectRepository(TenantSettingsRow) private readonly rows: Repository<TenantSettingsRow>,
    private readonly audit: AuditLogService,
    private readonly bus: CacheInvalidationBus,
    private readonly config: AppConfig,
  ) {
    bus.on(SETTINGS_TOPIC, (tenantId) => this.cache.invalidate(tenantId));
  }

  get(tenantId: string): Promise<Readonly<TenantSettings>> {
    return this.cache.get(tenantId, async () => {
      const row = await this.rows.findOneBy({ tenantId });
      return deepFreeze(row ? fromRow(row) : structuredClone(DEFAULT_SETTINGS));
    });
  }

  async update(principal: Principal, dto: UpdateSettingsDto): Promise<TenantSettings> {
    const current = await this.get(principal.tenantId);
    const next: TenantSettings = {
      ...current,
      ...definedOnly(dto),
      optOutKeywords: dto.optOutKeywords ? withRequiredOptOuts(normalizeKeywords(dto.optOutKeywords)) : current.optOutKeywords,
      optInKeywords: dto.optInKeywords ? normalizeKeywords(dto.optInKeywords) : current.optInKeywords,
      requireOptIn: dto.requireOptIn ? { whatsapp: dto.requireOptIn.whatsapp, sms: dto.requireOptIn.sms } : current.requireOptIn,
      quietHours: dto.quietHours === undefined ? current.quietHours : dto.quietHours && { start: dto.quietHours.start, end: dto.quietHours.end },
    };
    const problems: Record<string, string> = {};
    const both = next.optOutKeywords.filter((k) => next.optInKeywords.includes(k));
    if (both.length > 0) problems.optInKeywords = `cannot also be opt-out keywords: ${both.join(', ')}`;
    if (!IANAZone.isValidZone(next.timezone)) problems.timezone = 'must be an IANA time zone such as Europe/Amsterdam';
    if (next.quietHours && next.quietHours.start === next.quietHours.end) problems['quietHours.end'] = 'must differ from start';
    if (Object.keys(problems).length > 0) throw new ValidationFailedError(problems);

    await this.rows.manager.transaction(async (manager) => {
      await manager.getRepository(TenantSettingsRow).save(toRow(principal.tenantId, next));
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'settings.updated',
          entityType: 'tenant_settings',
          entityId: principal.tenantId,
          changes: { fields: Object.keys(definedOnly(dto)) },
        },
        manager,
      );
    });
    await this.bus.publish(SETTINGS_TOPIC, principal.tenantId);
    return next;
  }

  /** Whether the tenant's agents may download media no scanner checked (`unscanned`). */
  async serveUnscannedMedia(tenantId: string): Promise<boolean> {
    return this.effectiveServeUnscanned(await this.get(tenantId));
  }

  toResponse(settings: TenantSettings): SettingsResponse {
    return {
      ...settings,
      requireOptIn: { ...settings.requireOptIn },
      requiredOptOutKeywords: [...REQUIRED_OPT_OUT_KEYWORDS],
      serveUnscannedMedia: this.effectiveServeUnscanned(settings),
      businessSendsPerMinute: settings.businessSendsPerMinute ?? this.config.rateLimits.businessSendsPerMinute,
    };
  }

  private effectiveServeUnscanned(settings: Readonly<TenantSettings>): boolean {
    return settings.serveUnscannedMedia ?? this.config.media.serveUnscannedByDefault;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Keywords compare in upper case, without surrounding spaces, each once. */
function normalizeKeywords(keywords: string[]): string[] {
  return [...new Set(keywords.map((k) => k.trim().toUpperCase()).filter(Boolean))];
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function fromRow(row: TenantSettingsRow): TenantSettings {
  return {
    // Rows written before the required words were enforced may lack them.
    optOutKeywords: withRequiredOptOuts(row.optOutKeywords),
    optInKeywords: row.optInKeywords,
    optOutAcknowledgement: row.optOutAcknowledgement,
    optInAcknowledgement: row.optInAcknowledgement,
    requireOptIn: { whatsapp: row.requireOptInWhatsapp, sms: row.requireOptInSms },
    retentionDays: row.retentionDays,
    quietHours: row.quietHoursStart && row.quietHoursEnd ? { start: row.quietHoursStart, end: row.quietHoursEnd } : null,
    timezone: row.timezone,
    duplicatePolicy: row.duplicatePolicy,
    serveUnscannedMedia: row.serveUnscannedMedia,
    businessSendsPerMinute: row.businessSendsPerMinute,
  };
}

function toRow(tenantId: string, s: TenantSettings): Partial<TenantSettingsRow> {
  return {
    tenantId,
    optOutKeywords: s.optOutKeywords,
    optInKeywords: s.optInKeywords,
    optOutAcknowledgement: s.optOutAcknowledgement,
    optInAcknowledgement: s.optInAcknowledgement,
    requireOptInWhatsapp: s.requireOptIn.whatsapp,
    requireOptInSms: s.requireOptIn.sms,
    retentionDays: s.retentionDays,
    quietHoursStart: s.quietHours?.start ?? null,
    quietHoursEnd: s.quietHours?.end ?? null,
    timezone: s.timezone,
    duplicatePolicy: s.duplicatePolicy,
    serveUnscannedMedia: s.serveUnscannedMedia,
    businessSendsPerMinute: s.businessSendsPerMinute,
  };
}
