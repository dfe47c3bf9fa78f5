import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ChannelProvider } from './channel-provider.entity';
import type { Channel } from './provider-kind';

@Injectable()
export class ProviderSelector {
  constructor(@InjectRepository(ChannelProvider) private readonly providers: Repository<ChannelProvider>) {}

  /**
   * The providers a send may use, in the order to try them: the pinned one alone when given (if it is
   * active and of the channel), otherwise every active provider of the channel, lowest priority first.
   * An empty list means `noActiveProvider`.
   */
  selectProviders(tenantId: string, channel: Channel, pinnedId?: string): Promise<ChannelProvider[]> {
    return this.providers.find({
      where: { tenantId, channel, active: true, ...(pinnedId ? { id: pinnedId } : {}) },
      order: { priority: 'ASC', createdAt: 'ASC', id: 'ASC' },
    });
  }
}
