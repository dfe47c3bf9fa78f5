import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import type { Page } from '../api/types';
import { adminKeys, EmptyState, Skeleton, useFormat, useProviderName } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import { WEBHOOK_EVENT_STATUSES, type WebhookEvent, type WebhookEventStatus } from './admin-types';
import './webhook-events-page.css';

const PAGE_SIZE = 50;
const REPLAYABLE: ReadonlySet<WebhookEventStatus> = new Set(['failed', 'dead']);
const STATUS_BADGES: Record<WebhookEventStatus, string> = {
  pending: 'badge badge--warning',
  processed: 'badge badge--ok',
  failed: 'badge badge--danger',
  dead: 'badge badge--danger',
};

export function WebhookEventsPage() {
  const { t } = useTranslation('admin');
  const id = useId();
  const [status, setStatus] = useState<WebhookEventStatus | ''>('');
  const events = useInfiniteQuery({
    queryKey: [...adminKeys.webhookEvents, { status }],
    queryFn: ({ signal, pageParam }) =>
      call<Page<WebhookEvent>>('listWebhookEvents', { query: { status: status || undefined, limit: PAGE_SIZE, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="admin-page">
      <h1>{t('webhookEvents.title')}</h1>
      <p className="muted admin-page__intro">{t('webhookEvents.intro')}</p>
      <div className="admin-filters">
        <div>
          <label htmlFor={`${id}-status`}>{t('webhookEvents.filters.status')}</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as WebhookEventStatus | '')}>
            <option value="">{t('webhookEvents.filters.all')}</option>
            {WEBHOOK_EVENT_STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`webhookEvents.status.${value}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {events.isPending ? (
        <Skeleton rows={6} rowHeight="3rem" label={t('common.loading')} />
      ) : events.isError ? (
        <ErrorAlert error={events.error} onRetry={() => void events.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>{status ? t('webhookEvents.emptyFiltered') : t('webhookEvents.empty')}</EmptyState>
      ) : (
        <div className="admin-table-scroll" tabIndex={0} role="region" aria-label={t('webhookEvents.title')}>
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">{t('webhookEvents.columns.status')}</th>
                <th scope="col">{t('webhookEvents.columns.provider')}</th>
                <th scope="col">{t('webhookEvents.columns.attempts')}</th>
                <th scope="col">{t('webhookEvents.columns.lastError')}</th>
                <th scope="col">{t('webhookEvents.columns.receivedAt')}</th>
                <th scope="col">{t('webhookEvents.columns.processedAt')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('webhookEvents.columns.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <WebhookEventRow key={event.id} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.hasNextPage && (
        <div className="admin-more">
          <button type="button" className="button" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
            {events.isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}

function WebhookEventRow({ event }: { event: WebhookEvent }) {
  const { t } = useTranslation('admin');
  const format = useFormat();
  const providerName = useProviderName();
  const queryClient = useQueryClient();
  const replay = useMutation({
    mutationFn: () => call<void>('replayWebhookEvent', { params: { id: event.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.webhookEvents }),
  });
  const issues = event.failedItems.length;
  return (
    <tr data-webhook-event-id={event.id} data-status={event.status}>
      <td data-label={t('webhookEvents.columns.status')}>
        <div>
          <span className={STATUS_BADGES[event.status]}>{t(`webhookEvents.status.${event.status}`)}</span>
          {issues > 0 && <p className="muted">{t('webhookEvents.failedItems', { count: issues })}</p>}
        </div>
      </td>
      <td data-label={t('webhookEvents.columns.provider')}>{providerName(event.providerId)}</td>
      <td data-label={t('webhookEvents.columns.attempts')}>{event.attempts}</td>
      <td data-label={t('webhookEvents.columns.lastError')} className="webhook-events__error">
        <div>
          {event.lastError ?? '—'}
          {event.nextAttemptAt && <p className="muted">{t('webhookEvents.nextAttempt', { time: format.dateTime(event.nextAttemptAt) })}</p>}
        </div>
      </td>
      <td data-label={t('webhookEvents.columns.receivedAt')}>{format.dateTime(event.receivedAt)}</td>
      <td data-label={t('webhookEvents.columns.processedAt')}>{format.dateTime(event.processedAt)}</td>
      <td data-label={t('webhookEvents.columns.actions')}>
        {(REPLAYABLE.has(event.status) || issues > 0 || replay.isSuccess) && (
          <div>
            {!replay.isSuccess && (
              <button type="button" className="button" onClick={() => replay.mutate()} disabled={replay.isPending}>
                {t('webhookEvents.replay')}
              </button>
            )}
            <span role="status" className="muted">
              {replay.isSuccess ? t('webhookEvents.replayed') : ''}
            </span>
            {replay.isError && <ErrorAlert error={replay.error} />}
          </div>
        )}
      </td>
    </tr>
  );
}
