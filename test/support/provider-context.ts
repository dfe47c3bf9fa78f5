import { randomUUID } from 'node:crypto';
import type { ProviderContext } from '../../src/modules/providers/adapters/channel-adapter';
import { channelOf, type ProviderKind } from '../../src/modules/providers/provider-kind';

/** A ProviderContext for adapter tests: what the providers module would hand an adapter. */
export function providerContext(
  vendor: string,
  kind: ProviderKind,
  overrides: Partial<Omit<ProviderContext, 'vendor' | 'kind' | 'channel'>> = {},
): ProviderContext {
  const id = overrides.id ?? randomUUID();
  const channel = channelOf(kind);
  return {
    id,
    tenantId: randomUUID(),
    vendor,
    kind,
    channel,
    phoneNumber: '+3197010203040',
    credentials: {},
    webhookSecret: null,
    webhookUrl: `https://parley.example.com/webhooks/${channel}/${id}`,
    ...overrides,
  };
}
