import type { AdminProvider, Budget, Settings } from './admin-types';
import {
  budgetBody,
  budgetDraftOf,
  EUR_AMOUNT,
  normalizeEur,
  providerDraftOf,
  settingsDraftOf,
  settingsPatch,
  typedCredentials,
} from './admin-rules';
import { credentialFields } from './vendors';

const provider: AdminProvider = {
  id: 'p1',
  name: 'Twilio NL',
  kind: 'sms',
  vendor: 'twilio',
  channel: 'sms',
  phoneNumber: '+3197010203040',
  priority: 10,
  active: true,
  rateLimitPerSecond: 1,
  messagingTierLimit: null,
  allowedNumbers: null,
  webhookSourceIps: null,
  webhookUrl: 'http://localhost:3000/webhooks/sms/p1',
  hasCredentials: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const budget: Budget = {
  id: 'b1',
  providerId: 'p1',
  period: 'monthly',
  maxMessages: 1000,
  maxCostEur: '250',
  hardStop: true,
  alertThresholdPct: 80,
  currentPeriodMessages: 12,
  currentPeriodCostEur: '1.5',
  periodStartedAt: '2026-11-01T00:00:00.000Z',
  periodResetAt: '2026-12-01T00:00:00.000Z',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

const settings: Settings = {
  optOutKeywords: ['STOP', 'STOPALL', 'UITSCHRIJVEN'],
  requiredOptOutKeywords: ['STOP', 'STOPALL'],
  optInKeywords: ['START'],
  optOutAcknowledgement: 'Bye',
  optInAcknowledgement: 'Welcome back',
  requireOptIn: { whatsapp: true, sms: false },
  retentionDays: null,
  quietHours: null,
  timezone: 'Europe/Amsterdam',
  duplicatePolicy: 'retry',
  serveUnscannedMedia: false,
  businessSendsPerMinute: 600,
};

describe('provider credentials', () => {
  it('sends only the credentials the admin typed, trimmed, so empty secrets keep the stored ones on edit', () => {
    const draft = { ...providerDraftOf(provider), credentials: { accountSid: ' AC1 ', authToken: '', messagingServiceSid: '' } };
    expect(typedCredentials(draft)).toEqual({ accountSid: 'AC1' });
  });

  it('drops what another vendor or kind would have taken', () => {
    const draft = { ...providerDraftOf(), vendor: 'cm-com', kind: 'sms' as const, credentials: { productToken: 't', templateNamespace: 'ns', accessKey: 'x' } };
    expect(typedCredentials(draft)).toEqual({ productToken: 't' });
    expect(typedCredentials({ ...draft, kind: 'whatsapp-bsp' })).toEqual({ productToken: 't', templateNamespace: 'ns' });
  });

  it('offers apiBaseUrl for every vendor and marks the contract’s secrets as password fields', () => {
    const meta = credentialFields('meta', 'whatsapp-cloud-api');
    expect(meta.map((field) => field.key)).toEqual(['accessToken', 'phoneNumberId', 'wabaId', 'apiBaseUrl']);
    expect(meta.filter((field) => field.secret).map((field) => field.key)).toEqual(['accessToken']);
    expect(credentialFields('sandbox', 'sms').map((field) => field.key)).toEqual(['apiBaseUrl']);
  });
});

describe('budget body', () => {
  it('sends every field on create, caps as null when left empty, money as a decimal string', () => {
    const draft = { ...budgetDraftOf(undefined, [provider]), maxMessages: '', maxCostEur: '12,50' };
    expect(budgetBody(draft, undefined)).toEqual({
      providerId: 'p1',
      period: 'monthly',
      maxMessages: null,
      maxCostEur: '12.50',
      hardStop: true,
      alertThresholdPct: 80,
    });
  });

  it('sends only changed fields on edit, never the provider', () => {
    const draft = budgetDraftOf(budget, [provider]);
    expect(budgetBody(draft, budget)).toEqual({});
    expect(budgetBody({ ...draft, maxCostEur: '', hardStop: false }, budget)).toEqual({ maxCostEur: null, hardStop: false });
  });

  it('accepts the amounts the server accepts', () => {
    expect(normalizeEur(' 0,5 ')).toBe('0.5');
    for (const ok of ['250', '12.50', '0.00000001']) expect(EUR_AMOUNT.test(ok)).toBe(true);
    for (const bad of ['0', '0.00', '-1', '1.123456789', '1e3', '12.']) expect(EUR_AMOUNT.test(bad)).toBe(false);
  });
});

describe('settings patch', () => {
  it('is empty when nothing changed', () => {
    expect(settingsPatch(settingsDraftOf(settings), settings)).toEqual({});
  });

  it('carries only the changed fields, keywords one per line without blanks', () => {
    const draft = {
      ...settingsDraftOf(settings),
      optInKeywords: 'START\n  ja \n\n',
      retentionDays: '90',
      requireOptIn: { whatsapp: true, sms: true },
    };
    expect(settingsPatch(draft, settings)).toEqual({ optInKeywords: ['START', 'ja'], retentionDays: 90, requireOptIn: { whatsapp: true, sms: true } });
  });

  it('turns quiet hours on and off, and an emptied retention back to keeping messages', () => {
    const on = { ...settingsDraftOf(settings), quietHoursOn: true, quietStart: '22:00', quietEnd: '07:30' };
    expect(settingsPatch(on, settings)).toEqual({ quietHours: { start: '22:00', end: '07:30' } });
    const saved: Settings = { ...settings, quietHours: { start: '22:00', end: '07:30' }, retentionDays: 30 };
    const off = { ...settingsDraftOf(saved), quietHoursOn: false, retentionDays: '' };
    expect(settingsPatch(off, saved)).toEqual({ quietHours: null, retentionDays: null });
  });
});
