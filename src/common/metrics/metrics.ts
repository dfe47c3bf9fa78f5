import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per process; every series Parley exports is declared here, so that the Grafana dashboard
 * (docker/grafana/parley-dashboard.json) and the README can be checked against one list. Labels stay
 * low-cardinality: vendors, channels, statuses, normalized codes, job and queue names; never a tenant,
 * contact, message or provider id. Everything here is counted in process: no SQL or Redis per message.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'parley_' });

/** Vendor-facing latencies: sub-second acks up to minutes of queueing (quiet hours, retries). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const httpRequestDuration = new Histogram({
  name: 'parley_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const messagesTotal = new Counter({
  name: 'parley_messages_total',
  help: 'Message state changes, by the status entered (queued on acceptance, received for inbound)',
  labelNames: ['vendor', 'channel', 'direction', 'status'] as const,
  registers: [metricsRegistry],
});

export const sendLatency = new Histogram({
  name: 'parley_send_latency_seconds',
  help: 'From acceptance of a send to the vendor accepting it',
  labelNames: ['vendor', 'channel'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const vendorErrors = new Counter({
  name: 'parley_vendor_errors_total',
  help: 'Vendor calls refused, by normalized error code (each retry counts)',
  labelNames: ['vendor', 'code'] as const,
  registers: [metricsRegistry],
});

export const webhookEvents = new Counter({
  name: 'parley_webhook_events_total',
  help: 'Webhook deliveries received, by result (accepted, duplicate, invalid_signature, unknown_provider, unavailable)',
  labelNames: ['vendor', 'result'] as const,
  registers: [metricsRegistry],
});

export const webhookAck = new Histogram({
  name: 'parley_webhook_ack_seconds',
  help: 'From a webhook delivery arriving to its acknowledgement (verified and stored)',
  labelNames: ['vendor'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const webhookProcessingLag = new Histogram({
  name: 'parley_webhook_processing_lag_seconds',
  help: 'From a webhook delivery being stored to it being processed',
  labelNames: ['vendor'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const webhookProcessing = new Counter({
  name: 'parley_webhook_processing_total',
  help: 'Stored webhook deliveries processed, by outcome (processed, failed: retried later, dead: out of attempts)',
  labelNames: ['vendor', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const consentChanges = new Counter({
  name: 'parley_consent_changes_total',
  help: 'Consent records appended, by channel, direction (opted_in, opted_out) and source',
  labelNames: ['channel', 'direction', 'source'] as const,
  registers: [metricsRegistry],
});

export const cronRuns = new Counter({
  name: 'parley_cron_runs_total',
  help: 'Scheduled job runs by this process, by outcome (ran, failed; skipped: another instance held the lock)',
  labelNames: ['job', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const cronDuration = new Histogram({
  name: 'parley_cron_duration_seconds',
  help: 'Duration of the scheduled job runs that ran (or failed)',
  labelNames: ['job'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

/** Seconds since `from` (a stored timestamp), never negative (clocks of two hosts may disagree a little). */
export function secondsSince(from: Date, now: number = Date.now()): number {
  return Math.max(0, (now - from.getTime()) / 1000);
}
