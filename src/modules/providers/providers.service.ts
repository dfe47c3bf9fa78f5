import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { Clock } from '../../common/clock/clock';
import { CacheInvalidationBus } from '../../common/cache/cache-invalidation.bus';
import { SecretBox } from '../../common/crypto/secret-box';
import { NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import { parseCidr } from '../../common/rate-limit/source-allowlist';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import { InvalidPhoneNumberError, normalizePhoneNumber } from '../../common/phone/phone-number';
import { AppConfig } from '../../config/app-config';
import { AdapterRegistry } from './adapters/adapter-registry';
import type { ChannelAdapter, ProviderContext } from './adapters/channel-adapter';
import { VendorError } from './adapters/vendor-error';
import { ChannelProvider } from './channel-provider.entity';
import { credentialProblems } from './credentials';
import { VendorAddressPolicy } from './http/vendor-address-policy';
import type { ConnectionTestResponse, CreateProviderDto, ProviderResponse, UpdateProviderDto } from './dto/provider.dto';
import { channelOf, type ProviderKind } from './provider-kind';

const DEFAULT_PRIORITY = 100;
/** Alphanumeric SMS sender ids: up to 11 letters, digits and spaces, at least one letter. */
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

type SecretField = 'credentials' | 'webhook_secret' | 'verify_token';

/** Cache invalidation topic: every instance drops the tenant's cached providers (see ProviderCache). */
export const PROVIDER_TOPIC = 'providers';

/** Admin CRUD of channel providers, sealing secrets and auditing every change. */
@Injectable()
export class ProvidersService {
  constructor(
    @InjectRepository(ChannelProvider) private readonly providers: Repository<ChannelProvider>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: AdapterRegistry,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditLogService,
    private readonly config: AppConfig,
    private readonly addresses: VendorAddressPolicy,
    private readonly bus: CacheInvalidationBus,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, dto: CreateProviderDto): Promise<ChannelProvider> {
    const adapter = this.registry.get(dto.vendor);
    if (adapter.simulated && !this.config.sandboxEnabled) {
      throw new ValidationFailedError({ vendor: `${dto.vendor} is switched off on this server (SANDBOX_ENABLED=false)` });
    }
    if (!adapter.kinds.includes(dto.kind)) {
      throw new ValidationFailedError({ kind: `vendor ${dto.vendor} supports ${adapter.kinds.join(', ')}` });
    }
    const problems = credentialProblems(adapter.credentialSpec(dto.kind), dto.credentials);
    const policy = adapter.webhookSecretPolicy(dto.kind);
    if (policy === 'required' && !dto.webhookSecret) problems.webhookSecret = `is required for ${dto.vendor}`;
    await this.checkApiBaseUrl(dto.credentials, problems);
    const webhookSourceIps = normalizeSourceIps(dto.webhookSourceIps, problems);
    if (Object.keys(problems).length > 0) throw new ValidationFailedError(problems);

    const id = randomUUID();
    const webhookSecret = dto.webhookSecret ?? (policy === 'generated' ? randomBytes(32).toString('base64url') : null);
    const provider = this.providers.create({
      id,
      tenantId: principal.tenantId,
      name: dto.name.trim(),
      kind: dto.kind,
      vendor: dto.vendor,
      channel: channelOf(dto.kind),
      phoneNumber: normalizeSender(dto.kind, dto.phoneNumber),
      priority: dto.priority ?? DEFAULT_PRIORITY,
      active: dto.active ?? true,
      rateLimitPerSecond: dto.rateLimitPerSecond ?? adapter.defaultRateLimitPerSecond(dto.kind),
      messagingTierLimit: dto.messagingTierLimit ?? null,
      allowedNumbers: normalizeAllowed(dto.allowedNumbers),
      webhookSourceIps,
      credentialsSealed: this.seal(id, 'credentials', JSON.stringify(dto.credentials)),
      webhookSecretSealed: webhookSecret === null ? null : this.seal(id, 'webhook_secret', webhookSecret),
      verifyTokenSealed: dto.verifyToken ? this.seal(id, 'verify_token', dto.verifyToken) : null,
    });
    return this.write(principal.tenantId, async (manager) => {
      const saved = await manager.save(provider);
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'provider.created',
          entityType: 'channel_provider',
          entityId: id,
          changes: { fields: fieldNames(dto) },
        },
        manager,
      );
      return saved;
    });
  }

  list(tenantId: string, query: PageQueryDto): Promise<Page<ChannelProvider>> {
    return paginate(this.providers.createQueryBuilder('p').where('p.tenantId = :tenantId', { tenantId }), {
      sortColumn: 'p.createdAt',
      idColumn: 'p.id',
      position: (p) => ({ sort: p.createdAt, id: p.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  /** A provider of this tenant; another tenant's id is as unknown as a made-up one. */
  async get(tenantId: string, id: string): Promise<ChannelProvider> {
    const provider = await this.providers.findOneBy({ id, tenantId });
    if (!provider) throw new NotFoundError('Provider');
    return provider;
  }

  async update(principal: Principal, id: string, dto: UpdateProviderDto): Promise<ChannelProvider> {
    const provider = await this.get(principal.tenantId, id);
    const adapter = this.registry.get(provider.vendor);
    const changed: string[] = [];
    if (dto.credentials) {
      const merged: Record<string, unknown> = { ...this.credentialsOf(provider) };
      for (const [field, value] of Object.entries(dto.credentials)) {
        if (value === null) delete merged[field];
        else merged[field] = value;
        changed.push(`credentials.${field}`);
      }
      const problems = credentialProblems(adapter.credentialSpec(provider.kind), merged);
      await this.checkApiBaseUrl(merged, problems);
      if (Object.keys(problems).length > 0) throw new ValidationFailedError(problems);
      provider.credentialsSealed = this.seal(id, 'credentials', JSON.stringify(merged));
    }
    if (dto.name !== undefined) provider.name = dto.name.trim();
    if (dto.phoneNumber !== undefined) provider.phoneNumber = normalizeSender(provider.kind, dto.phoneNumber);
    if (dto.priority !== undefined) provider.priority = dto.priority;
    if (dto.active !== undefined) provider.active = dto.active;
    if (dto.rateLimitPerSecond !== undefined) provider.rateLimitPerSecond = dto.rateLimitPerSecond;
    if (dto.messagingTierLimit !== undefined) provider.messagingTierLimit = dto.messagingTierLimit;
    if (dto.allowedNumbers !== undefined) provider.allowedNumbers = normalizeAllowed(dto.allowedNumbers);
    if (dto.webhookSourceIps !== undefined) {
      const problems: Record<string, string> = {};
      provider.webhookSourceIps = normalizeSourceIps(dto.webhookSourceIps, problems);
      if (Object.keys(problems).length > 0) throw new ValidationFailedError(problems);
    }
    if (dto.webhookSecret !== undefined) provider.webhookSecretSealed = this.seal(id, 'webhook_secret', dto.webhookSecret);
    if (dto.verifyToken !== undefined) provider.verifyTokenSealed = this.seal(id, 'verify_token', dto.verifyToken);
    changed.push(...fieldNames(dto).filter((field) => field !== 'credentials'));
    this.resealWithCurrentKey(provider);

    return this.write(principal.tenantId, async (manager) => {
      const saved = await manager.save(provider);
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'provider.updated',
          entityType: 'channel_provider',
          entityId: id,
          changes: { fields: changed },
        },
        manager,
      );
      return saved;
    });
  }

  /** Soft delete: messages keep pointing at the provider they went through; webhooks for it get 404. */
  async remove(principal: Principal, id: string): Promise<void> {
    const provider = await this.get(principal.tenantId, id);
    await this.write(principal.tenantId, async (manager) => {
      await manager.update(ChannelProvider, { id: provider.id }, { active: false });
      await manager.softDelete(ChannelProvider, { id: provider.id });
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'provider.deleted',
          entityType: 'channel_provider',
          entityId: id,
        },
        manager,
      );
    });
  }

  /**
   * Tries the provider's credentials with the vendor's cheapest authenticated read (see
   * ChannelAdapter.checkConnection). A vendor refusal or silence is an answer (`ok: false`), normalized as a
   * failed send's error would be; the provider itself is not changed, so inactive providers can be tested too.
   */
  async testConnection(tenantId: string, id: string): Promise<ConnectionTestResponse> {
    const provider = await this.get(tenantId, id);
    const adapter = this.adapterFor(provider);
    const checkedAt = this.clock.now().toISOString();
    const started = performance.now();
    try {
      const check = await adapter.checkConnection(this.context(provider));
      return { ok: true, checkedAt, latencyMs: Math.round(performance.now() - started), check, error: null };
    } catch (e) {
      if (!(e instanceof VendorError)) throw e;
      const latencyMs = Math.round(performance.now() - started);
      return {
        ok: false,
        checkedAt,
        latencyMs,
        check: `Whether ${provider.vendor} accepts the provider's credentials`,
        error: {
          code: adapter.classifyError(e).code,
          message: e.message,
          vendorErrorCode: e.vendorErrorCode ?? null,
          vendorErrorMessage: e.vendorErrorMessage ?? null,
        },
      };
    }
  }

  /** Every provider write: one transaction with its audit row, then every instance forgets the tenant's providers. */
  private async write<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(work);
    await this.bus.publish(PROVIDER_TOPIC, tenantId);
    return result;
  }

  toResponse(provider: ChannelProvider): ProviderResponse {
    return {
      id: provider.id,
      name: provider.name,
      kind: provider.kind,
      vendor: provider.vendor,
      channel: provider.channel,
      phoneNumber: provider.phoneNumber,
      priority: provider.priority,
      active: provider.active,
      rateLimitPerSecond: provider.rateLimitPerSecond,
      messagingTierLimit: provider.messagingTierLimit,
      allowedNumbers: provider.allowedNumbers,
      webhookSourceIps: provider.webhookSourceIps,
      webhookUrl: this.webhookUrl(provider),
      hasCredentials: Object.keys(this.credentialsOf(provider)).length > 0,
      createdAt: provider.createdAt.toISOString(),
      updatedAt: provider.updatedAt.toISOString(),
    };
  }

  webhookUrl(provider: Pick<ChannelProvider, 'id' | 'channel'>): string {
    return `${this.config.publicBaseUrl}/webhooks/${provider.channel}/${provider.id}`;
  }

  /** Everything an adapter needs, secrets decrypted. Keep it in memory only as long as a call lasts. */
  context(provider: ChannelProvider): ProviderContext {
    return {
      id: provider.id,
      tenantId: provider.tenantId,
      kind: provider.kind,
      vendor: provider.vendor,
      channel: provider.channel,
      phoneNumber: provider.phoneNumber,
      credentials: this.credentialsOf(provider),
      webhookSecret: provider.webhookSecretSealed ? this.open(provider.id, 'webhook_secret', provider.webhookSecretSealed) : null,
      webhookUrl: this.webhookUrl(provider),
    };
  }

  verifyToken(provider: ChannelProvider): string | null {
    return provider.verifyTokenSealed ? this.open(provider.id, 'verify_token', provider.verifyTokenSealed) : null;
  }

  adapterFor(provider: Pick<ChannelProvider, 'vendor'>): ChannelAdapter {
    return this.registry.get(provider.vendor);
  }

  /** Parley calls apiBaseUrl with the vendor's credentials: it must be a public https origin (see VendorAddressPolicy). */
  private async checkApiBaseUrl(credentials: Record<string, unknown>, problems: Record<string, string>): Promise<void> {
    const url = credentials.apiBaseUrl;
    if (typeof url !== 'string' || problems['credentials.apiBaseUrl']) return;
    const problem = await this.addresses.baseUrlProblem(url);
    if (problem) problems['credentials.apiBaseUrl'] = problem;
  }

  private credentialsOf(provider: ChannelProvider): Record<string, string> {
    return JSON.parse(this.open(provider.id, 'credentials', provider.credentialsSealed)) as Record<string, string>;
  }

  /** Any write moves every secret of the row to the current key, so a rotated-out key can be retired. */
  private resealWithCurrentKey(provider: ChannelProvider): void {
    const reseal = (field: SecretField, sealed: string): string =>
      this.secretBox.needsRotation(sealed) ? this.seal(provider.id, field, this.open(provider.id, field, sealed)) : sealed;
    provider.credentialsSealed = reseal('credentials', provider.credentialsSealed);
    if (provider.webhookSecretSealed) provider.webhookSecretSealed = reseal('webhook_secret', provider.webhookSecretSealed);
    if (provider.verifyTokenSealed) provider.verifyTokenSealed = reseal('verify_token', provider.verifyTokenSealed);
  }

  private seal(id: string, field: SecretField, value: string): string {
    return this.secretBox.seal(value, `channel_provider:${id}:${field}`);
  }

  private open(id: string, field: SecretField, sealed: string): string {
    return this.secretBox.open(sealed, `channel_provider:${id}:${field}`);
  }
}

function normalizeSender(kind: ProviderKind, input: string): string {
  try {
    return normalizePhoneNumber(input);
  } catch (e) {
    if (kind === 'sms' && SENDER_ID.test(input.trim())) return input.trim();
    if (e instanceof InvalidPhoneNumberError) throw e;
    throw new InvalidPhoneNumberError();
  }
}

function normalizeAllowed(numbers: string[] | null | undefined): string[] | null {
  if (!numbers) return null;
  return [...new Set(numbers.map((n, i) => normalizePhoneNumber(n, `allowedNumbers.${i}`)))];
}

/** The allowlist as PostgreSQL's cidr[] takes it, each block once; problems are named by index. */
function normalizeSourceIps(blocks: string[] | null | undefined, problems: Record<string, string>): string[] | null {
  if (!blocks) return null;
  const normalized = new Set<string>();
  blocks.forEach((block, i) => {
    const parsed = parseCidr(block);
    if ('problem' in parsed) problems[`webhookSourceIps.${i}`] = parsed.problem;
    else normalized.add(parsed.cidr);
  });
  return [...normalized];
}

function fieldNames(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
}
