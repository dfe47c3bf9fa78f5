export const PROVIDER_KINDS = ['whatsapp-cloud-api', 'whatsapp-bsp', 'sms'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const CHANNELS = ['whatsapp', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export function channelOf(kind: ProviderKind): Channel {
  return kind === 'sms' ? 'sms' : 'whatsapp';
}
