import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChannelProvider } from '../providers/channel-provider.entity';
import { ProvidersService } from '../providers/providers.service';

/**
 * Whether a keyword (STOP, START…) of an inbound message may write consent. A simulated vendor's message
 * (the sandbox: anyone with access can make one up) never does for a contact who also talks through a real
 * provider, so that it cannot forge an opt-in that unlocks real sends, or an opt-out of a real customer.
 * The message itself is still filed.
 */
@Injectable()
export class SimulatedConsentPolicy {
  private readonly logger = new Logger(SimulatedConsentPolicy.name);

  constructor(private readonly providers: ProvidersService) {}

  async mayRecordKeyword(manager: EntityManager, provider: ChannelProvider, contactId: string): Promise<boolean> {
    if (!this.providers.adapterFor(provider).simulated) return true;
    // Removed providers count too: the contact talked to a real vendor through them.
    const vendors = await manager.query<{ vendor: string }[]>(
      `SELECT DISTINCT p.vendor FROM conversation c JOIN channel_provider p ON p.id = c.provider_id WHERE c.contact_id = $1`,
      [contactId],
    );
    const talksThroughRealProvider = vendors.some((row) => !this.providers.adapterFor(row).simulated);
    if (talksThroughRealProvider) {
      this.logger.warn(
        { tenantId: provider.tenantId, providerId: provider.id, contactId },
        'keyword of a simulated message ignored: the contact also talks through a real provider, so no consent is recorded',
      );
    }
    return !talksThroughRealProvider;
  }
}
