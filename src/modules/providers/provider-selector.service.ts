import { Injectable } from '@nestjs/common';
import type { ChannelProvider } from './channel-provider.entity';
import { ProviderCache } from './provider-cache';
import type { Channel } from './provider-kind';

@Injectable()
export class ProviderSelector {
  constructor(private readonly cache: ProviderCache) {}

  /**
   * The providers a send may use, in the order to try them: the pinned one alone when given (if it is
   * active and of the channel), otherwise every active provider of the channel, lowest priority first.
   * An empty list means `noActiveProvider`. Served from the provider cache.
   */
  async selectProviders(tenantId: string, channel: Channel, pinnedId?: string): Promise<ChannelProvider[]> {
    const active = (await this.cache.active(tenantId, channel)).map((resolved) => resolved.provider);
    return pinnedId ? active.filter((provider) => provider.id === pinnedId) : active;
  }
}
