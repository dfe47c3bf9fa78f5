import type { ProviderKind } from './admin-types';

export interface CredentialField {
  key: string;
  required: boolean;
  /** Shown back never: typed into a password input. */
  secret: boolean;
  multiline?: boolean;
  /** Kinds the field applies to, when not every kind of the vendor takes it. */
  onlyFor?: readonly ProviderKind[];
}

export interface VendorSpec {
  kinds: readonly ProviderKind[];
  credentials: readonly CredentialField[];
  /** Whether Parley can verify this vendor's webhooks without a secret the admin types in. */
  webhookSecret: 'required' | 'optional' | 'generated';
  /** Only Meta's Cloud API does the GET verify-token handshake. */
  verifyToken: boolean;
}

/** Mirrors the server's adapters (kinds, credential spec, webhook secret policy), so the form asks only for what a vendor takes. */
export const VENDORS = {
  meta: {
    kinds: ['whatsapp-cloud-api'],
    credentials: [
      { key: 'accessToken', required: true, secret: true },
      { key: 'phoneNumberId', required: true, secret: false },
      { key: 'wabaId', required: true, secret: false },
    ],
    webhookSecret: 'required',
    verifyToken: true,
  },
  twilio: {
    kinds: ['whatsapp-bsp', 'sms'],
    credentials: [
      { key: 'accountSid', required: true, secret: false },
      { key: 'authToken', required: true, secret: true },
      { key: 'messagingServiceSid', required: false, secret: false },
    ],
    webhookSecret: 'optional',
    verifyToken: false,
  },
  '360dialog': {
    kinds: ['whatsapp-bsp'],
    credentials: [{ key: 'apiKey', required: true, secret: true }],
    webhookSecret: 'required',
    verifyToken: false,
  },
  messagebird: {
    kinds: ['sms', 'whatsapp-bsp'],
    credentials: [
      { key: 'accessKey', required: true, secret: true },
      { key: 'workspaceId', required: true, secret: false },
      { key: 'channelId', required: true, secret: false },
    ],
    webhookSecret: 'required',
    verifyToken: false,
  },
  'cm-com': {
    kinds: ['sms', 'whatsapp-bsp'],
    credentials: [
      { key: 'productToken', required: true, secret: true },
      // WhatsApp templates are addressed by namespace + name at CM.com: one namespace per business account.
      { key: 'templateNamespace', required: false, secret: false, onlyFor: ['whatsapp-bsp'] },
    ],
    webhookSecret: 'required',
    verifyToken: false,
  },
  vonage: {
    kinds: ['sms', 'whatsapp-bsp'],
    credentials: [
      { key: 'apiKey', required: true, secret: true },
      { key: 'apiSecret', required: true, secret: true },
      { key: 'applicationId', required: false, secret: false },
      { key: 'privateKey', required: false, secret: true, multiline: true },
    ],
    webhookSecret: 'required',
    verifyToken: false,
  },
  sandbox: {
    kinds: ['whatsapp-cloud-api', 'whatsapp-bsp', 'sms'],
    credentials: [],
    webhookSecret: 'generated',
    verifyToken: false,
  },
} as const satisfies Record<string, VendorSpec>;

export type Vendor = keyof typeof VENDORS;
export const VENDOR_NAMES = Object.keys(VENDORS) as Vendor[];

/** Every vendor may point at another base URL (a regional endpoint, a mock in tests). */
export const API_BASE_URL_FIELD: CredentialField = { key: 'apiBaseUrl', required: false, secret: false };

export function vendorSpec(vendor: string): VendorSpec | undefined {
  return (VENDORS as Record<string, VendorSpec>)[vendor];
}

/** The credential fields the form shows for a vendor and kind, apiBaseUrl last. */
export function credentialFields(vendor: string, kind: ProviderKind): CredentialField[] {
  const spec = vendorSpec(vendor);
  if (!spec) return [API_BASE_URL_FIELD];
  return [...spec.credentials.filter((field) => !field.onlyFor || field.onlyFor.includes(kind)), API_BASE_URL_FIELD];
}
