import type { Channel } from '../api/types';
import type { AdminProvider, Budget, BudgetPeriod, DuplicatePolicy, ProviderKind, Settings, SettingsPatch } from './admin-types';
import { credentialFields } from './vendors';

/** The admin forms' rules, kept free of React so they can be tested as plain functions. */

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['daily', 'weekly', 'monthly'];
export const DUPLICATE_POLICIES: readonly DuplicatePolicy[] = ['retry', 'fail'];
export const CHANNELS: readonly Channel[] = ['whatsapp', 'sms'];

export interface ProviderDraft {
  name: string;
  vendor: string;
  kind: ProviderKind;
  phoneNumber: string;
  priority: string;
  active: boolean;
  rateLimitPerSecond: string;
  webhookSecret: string;
  verifyToken: string;
  credentials: Record<string, string>;
}

export function providerDraftOf(provider?: AdminProvider): ProviderDraft {
  return {
    name: provider?.name ?? '',
    vendor: provider?.vendor ?? 'sandbox',
    kind: provider?.kind ?? 'whatsapp-cloud-api',
    phoneNumber: provider?.phoneNumber ?? '',
    priority: String(provider?.priority ?? 100),
    active: provider?.active ?? true,
    rateLimitPerSecond: provider ? String(provider.rateLimitPerSecond ?? '') : '',
    webhookSecret: '',
    verifyToken: '',
    credentials: {},
  };
}

/** Only what the admin typed: empty secrets on edit keep the stored ones, and an empty optional field is left to the server. */
export function typedCredentials(draft: ProviderDraft): Record<string, string> {
  const fields = credentialFields(draft.vendor, draft.kind);
  return Object.fromEntries(
    fields.map((field) => [field.key, draft.credentials[field.key]?.trim() ?? ''] as const).filter(([, value]) => value !== ''),
  );
}

export function toInteger(value: string): number | undefined {
  return value.trim() === '' ? undefined : Number(value);
}

/** The server's numeric(20, 8): up to 12 integer digits and 8 decimals, not zero. */
export const EUR_AMOUNT = /^(?=.*[1-9])\d{1,12}(\.\d{1,8})?$/;

export interface BudgetDraft {
  providerId: string;
  period: BudgetPeriod;
  maxMessages: string;
  maxCostEur: string;
  hardStop: boolean;
  alertThresholdPct: string;
}

/** "12,50" is how Dutch admins write it; the API takes "12.50". Kept a string: money never goes through a float. */
export function normalizeEur(input: string): string {
  return input.trim().replace(',', '.');
}

export function budgetDraftOf(budget: Budget | undefined, providers: AdminProvider[]): BudgetDraft {
  return {
    providerId: budget?.providerId ?? providers[0]?.id ?? '',
    period: budget?.period ?? 'monthly',
    maxMessages: budget?.maxMessages === null || budget?.maxMessages === undefined ? '' : String(budget.maxMessages),
    maxCostEur: budget?.maxCostEur ?? '',
    hardStop: budget?.hardStop ?? true,
    alertThresholdPct: String(budget?.alertThresholdPct ?? 80),
  };
}

/** The request body: on create every field, on edit only what changed (an emptied cap is `null`, which removes it). */
export function budgetBody(draft: BudgetDraft, budget: Budget | undefined): Record<string, unknown> {
  const full = {
    providerId: draft.providerId,
    period: draft.period,
    maxMessages: draft.maxMessages.trim() === '' ? null : Number(draft.maxMessages),
    maxCostEur: draft.maxCostEur.trim() === '' ? null : normalizeEur(draft.maxCostEur),
    hardStop: draft.hardStop,
    alertThresholdPct: Number(draft.alertThresholdPct),
  };
  if (!budget) return full;
  const { providerId: _providerId, ...editable } = full;
  return Object.fromEntries(Object.entries(editable).filter(([key, value]) => budget[key as keyof typeof editable] !== value));
}

export interface SettingsDraft {
  optOutKeywords: string;
  optInKeywords: string;
  optOutAcknowledgement: string;
  optInAcknowledgement: string;
  requireOptIn: Record<Channel, boolean>;
  quietHoursOn: boolean;
  quietStart: string;
  quietEnd: string;
  timezone: string;
  retentionDays: string;
  duplicatePolicy: DuplicatePolicy;
  serveUnscannedMedia: boolean;
  businessSendsPerMinute: string;
}

export function settingsDraftOf(settings: Settings): SettingsDraft {
  return {
    optOutKeywords: settings.optOutKeywords.join('\n'),
    optInKeywords: settings.optInKeywords.join('\n'),
    optOutAcknowledgement: settings.optOutAcknowledgement,
    optInAcknowledgement: settings.optInAcknowledgement,
    requireOptIn: { ...settings.requireOptIn },
    quietHoursOn: settings.quietHours !== null,
    quietStart: settings.quietHours?.start ?? '21:00',
    quietEnd: settings.quietHours?.end ?? '08:00',
    timezone: settings.timezone,
    retentionDays: settings.retentionDays === null ? '' : String(settings.retentionDays),
    duplicatePolicy: settings.duplicatePolicy,
    serveUnscannedMedia: settings.serveUnscannedMedia,
    businessSendsPerMinute: String(settings.businessSendsPerMinute),
  };
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Only the fields that differ from what the server has: a PATCH of unchanged fields could undo another admin's edit. */
export function settingsPatch(draft: SettingsDraft, saved: Settings): SettingsPatch {
  const patch: SettingsPatch = {};
  const optOut = lines(draft.optOutKeywords);
  if (!sameList(optOut, saved.optOutKeywords)) patch.optOutKeywords = optOut;
  const optIn = lines(draft.optInKeywords);
  if (!sameList(optIn, saved.optInKeywords)) patch.optInKeywords = optIn;
  if (draft.optOutAcknowledgement !== saved.optOutAcknowledgement) patch.optOutAcknowledgement = draft.optOutAcknowledgement;
  if (draft.optInAcknowledgement !== saved.optInAcknowledgement) patch.optInAcknowledgement = draft.optInAcknowledgement;
  if (CHANNELS.some((channel) => draft.requireOptIn[channel] !== saved.requireOptIn[channel])) patch.requireOptIn = { ...draft.requireOptIn };
  const quietHours = draft.quietHoursOn ? { start: draft.quietStart, end: draft.quietEnd } : null;
  if (quietHours?.start !== saved.quietHours?.start || quietHours?.end !== saved.quietHours?.end) patch.quietHours = quietHours;
  if (draft.timezone.trim() !== saved.timezone) patch.timezone = draft.timezone.trim();
  const retentionDays = draft.retentionDays.trim() === '' ? null : Number(draft.retentionDays);
  if (retentionDays !== saved.retentionDays) patch.retentionDays = retentionDays;
  if (draft.duplicatePolicy !== saved.duplicatePolicy) patch.duplicatePolicy = draft.duplicatePolicy;
  if (draft.serveUnscannedMedia !== saved.serveUnscannedMedia) patch.serveUnscannedMedia = draft.serveUnscannedMedia;
  const perMinute = Number(draft.businessSendsPerMinute);
  if (draft.businessSendsPerMinute.trim() !== '' && perMinute !== saved.businessSendsPerMinute) patch.businessSendsPerMinute = perMinute;
  return patch;
}

