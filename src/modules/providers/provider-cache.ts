import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CacheInvalidationBus } from '../../common/cache/cache-invalidation.bus';
import { TtlCache } from '../../common/cache/ttl-cache';
import type { ChannelAdapter, ProviderContext } from './adapters/channel-adapter';
import { ChannelProvider } from './channel-provider.entity';
import type { Channel } from './provider-kind';
import { PROVIDER_TOPIC, ProvidersService } from './providers.service';

/** A provider with what every hot path needs from it: its adapter and its decrypted context. */
export interface ResolvedProvider {
  provider: ChannelProvider;
  context: ProviderContext;
  adapter: ChannelAdapter;
}

/** How stale a provider may be on an instance that missed an invalidation (Redis down). */
export const PROVIDER_CACHE_TTL_MS = 30_000;

/**
 * Providers are read on every webhook, send and dispatch and written by an admin now and then: they are kept
 * in memory with their secrets decrypted once, and dropped on every instance when any provider of their
 * tenant changes (ProvidersService publishes). Zero SQL on a hit.
 */
@Injectable()
export class ProviderCache {
  private readonly byId = new TtlCache<ResolvedProvider | null>(PROVIDER_CACHE_TTL_MS);
  private readonly byChannel = new TtlCache<ResolvedProvider[]>(PROVIDER_CACHE_TTL_MS);
  /** Which cached ids belong to a tenant, so a tenant's invalidation reaches them. */
  private readonly idsByTenant = new Map<string, Set<string>>();

  constructor(
    @InjectRepository(ChannelProvider) private readonly providers: Repository<ChannelProvider>,
    private readonly service: ProvidersService,
    bus: CacheInvalidationBus,
  ) {
    bus.on(PROVIDER_TOPIC, (tenantId) => this.forgetTenant(tenantId));
  }

  /** Any provider by id, inactive and removed ones included (stored events and messages keep theirs). */
  get(id: string): Promise<ResolvedProvider | null> {
    return this.byId.get(id, async () => {
      const provider = await this.providers.findOne({ where: { id }, withDeleted: true });
      if (!provider) return null;
      this.remember(provider);
      return this.resolve(provider);
    });
  }

  /** The tenant's active providers of a channel, in the order to try them. */
  active(tenantId: string, channel: Channel): Promise<ResolvedProvider[]> {
    return this.byChannel.get(`${tenantId}:${channel}`, async () => {
      const rows = await this.providers.find({
        where: { tenantId, channel, active: true },
        order: { priority: 'ASC', createdAt: 'ASC', id: 'ASC' },
      });
      return rows.map((row) => this.resolve(row));
    });
  }

  /** Called by every provider write (through the bus, on every instance). */
  forgetTenant(tenantId: string): void {
    for (const channel of ['whatsapp', 'sms'] satisfies Channel[]) this.byChannel.invalidate(`${tenantId}:${channel}`);
    for (const id of this.idsByTenant.get(tenantId) ?? []) this.byId.invalidate(id);
    this.idsByTenant.delete(tenantId);
  }

  private resolve(provider: ChannelProvider): ResolvedProvider {
    this.remember(provider);
    return { provider, context: this.service.context(provider), adapter: this.service.adapterFor(provider) };
  }

  private remember(provider: ChannelProvider): void {
    let ids = this.idsByTenant.get(provider.tenantId);
    if (!ids) this.idsByTenant.set(provider.tenantId, (ids = new Set()));
    ids.add(provider.id);
  }
}
