import type { Channel, Provider } from '../api/types';

/** The admin API's resources as the admin pages read them (see /docs for the full documentation). */
export type ProviderKind = Provider['kind'];

export interface AdminProvider extends Provider {
  messagingTierLimit: number | null;
  allowedNumbers: string[] | null;
  webhookSourceIps: string[] | null;
}

export interface ProviderTestResult {
  ok: boolean;
  checkedAt: string;
  latencyMs: number;
  /** What was checked, in the server's words (e.g. "GET /v21.0/<phone number id>"). */
  check: string;
  error: { code: string; message: string; vendorErrorCode: string | null; vendorErrorMessage: string | null } | null;
}

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly';

export interface Budget {
  id: string;
  providerId: string;
  period: BudgetPeriod;
  maxMessages: number | null;
  /** EUR as a decimal string: never parsed to a float for storage. */
  maxCostEur: string | null;
  hardStop: boolean;
  alertThresholdPct: number;
  currentPeriodMessages: number;
  currentPeriodCostEur: string;
  periodStartedAt: string;
  periodResetAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface AdminNotification {
  id: string;
  type: string;
  budgetId: string | null;
  providerId: string | null;
  message: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface SyncResult {
  providers: number;
  templates: number;
  changed: number;
  failedProviderIds: string[];
}

export type DuplicatePolicy = 'retry' | 'fail';

export interface Settings {
  optOutKeywords: string[];
  requiredOptOutKeywords: string[];
  optInKeywords: string[];
  optOutAcknowledgement: string;
  optInAcknowledgement: string;
  requireOptIn: Record<Channel, boolean>;
  retentionDays: number | null;
  quietHours: { start: string; end: string } | null;
  timezone: string;
  duplicatePolicy: DuplicatePolicy;
  serveUnscannedMedia: boolean;
  businessSendsPerMinute: number;
}

export type SettingsPatch = Partial<Omit<Settings, 'requiredOptOutKeywords'>>;

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processed', 'failed', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

export interface WebhookItemIssue {
  index: number;
  kind: string;
  vendorId: string | null;
  reason: string;
}

export interface WebhookEvent {
  id: string;
  providerId: string;
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  dedupKey: string;
  receivedAt: string;
  processedAt: string | null;
  nextAttemptAt: string | null;
  failedItems: WebhookItemIssue[];
  skippedItems: WebhookItemIssue[];
}
