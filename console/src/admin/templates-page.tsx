import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import type { Page, Template } from '../api/types';
import { adminKeys, EmptyState, FULL_PAGE, Skeleton, useFormat, useProviderName, useProviders } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { SyncResult } from './admin-types';
import './templates-page.css';

const STATUSES = ['approved', 'pending', 'rejected', 'paused', 'disabled'] as const;

function statusBadge(status: string): string {
  if (status === 'approved') return 'badge badge--ok';
  if (status === 'pending') return 'badge badge--warning';
  if (status === 'rejected' || status === 'disabled') return 'badge badge--danger';
  return 'badge';
}

export function TemplatesPage() {
  const { t } = useTranslation('admin');
  const id = useId();
  const format = useFormat();
  const queryClient = useQueryClient();
  const providers = useProviders();
  const providerName = useProviderName();
  const [providerId, setProviderId] = useState('');
  const [status, setStatus] = useState('');

  const templates = useInfiniteQuery({
    queryKey: [...adminKeys.templates, { providerId, status }],
    queryFn: ({ signal, pageParam }) =>
      call<Page<Template>>('listTemplates', {
        query: { providerId: providerId || undefined, status: status || undefined, limit: FULL_PAGE, cursor: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = templates.data?.pages.flatMap((page) => page.items) ?? [];

  const sync = useMutation({
    mutationFn: () => call<SyncResult>('syncTemplates'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.templates }),
  });

  const whatsappProviders = providers.data?.items.filter((provider) => provider.channel === 'whatsapp') ?? [];

  return (
    <div className="admin-page">
      <div className="row row--between admin-page__header">
        <h1>{t('templates.title')}</h1>
        <button type="button" className="button button--primary" onClick={() => sync.mutate()} disabled={sync.isPending}>
          {sync.isPending ? t('templates.syncing') : t('templates.sync')}
        </button>
      </div>
      <p className="muted admin-page__intro">{t('templates.intro')}</p>
      <div aria-live="polite">
        {sync.data && (
          <div className={sync.data.failedProviderIds.length > 0 ? 'banner banner--warning' : 'banner admin-banner--ok'} role="status">
            <p>
              {t('templates.syncResult', {
                providers: sync.data.providers,
                templates: sync.data.templates,
                changed: sync.data.changed,
              })}
            </p>
            {sync.data.failedProviderIds.length > 0 && (
              <p>{t('templates.syncFailed', { providers: sync.data.failedProviderIds.map(providerName).join(', ') })}</p>
            )}
          </div>
        )}
      </div>
      {sync.isError && <ErrorAlert error={sync.error} />}

      <div className="admin-filters">
        <div>
          <label htmlFor={`${id}-provider`}>{t('templates.filters.provider')}</label>
          <select id={`${id}-provider`} value={providerId} onChange={(e) => setProviderId(e.target.value)}>
            <option value="">{t('templates.filters.allProviders')}</option>
            {whatsappProviders.map((provider) => (
              <option key={provider.id} value={provider.id}>
                {provider.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-status`}>{t('templates.filters.status')}</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('templates.filters.allStatuses')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`templates.status.${value}`)}
              </option>
            ))}
          </select>
        </div>
      </div>

      {templates.isPending ? (
        <Skeleton rows={5} rowHeight="2.75rem" label={t('common.loading')} />
      ) : templates.isError ? (
        <ErrorAlert error={templates.error} onRetry={() => void templates.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>{providerId || status ? t('templates.emptyFiltered') : t('templates.empty')}</EmptyState>
      ) : (
        <div className="admin-table-scroll" tabIndex={0} role="region" aria-label={t('templates.title')}>
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">{t('templates.columns.name')}</th>
                <th scope="col">{t('templates.columns.language')}</th>
                <th scope="col">{t('templates.columns.provider')}</th>
                <th scope="col">{t('templates.columns.category')}</th>
                <th scope="col">{t('templates.columns.status')}</th>
                <th scope="col">{t('templates.columns.lastSynced')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((template) => (
                <tr key={template.id} data-template-id={template.id}>
                  <td data-label={t('templates.columns.name')}>
                    <strong>{template.name}</strong>
                  </td>
                  <td data-label={t('templates.columns.language')}>{template.language}</td>
                  <td data-label={t('templates.columns.provider')}>{providerName(template.providerId)}</td>
                  <td data-label={t('templates.columns.category')}>{template.category}</td>
                  <td data-label={t('templates.columns.status')}>
                    <div>
                      <span className={statusBadge(template.status)}>
                        {t(`templates.status.${template.status as (typeof STATUSES)[number]}`, { defaultValue: template.status })}
                      </span>
                      {template.rejectionReason && (
                        <p className="templates__reason">{t('templates.rejectionReason', { reason: template.rejectionReason })}</p>
                      )}
                    </div>
                  </td>
                  <td data-label={t('templates.columns.lastSynced')}>{template.lastSyncedAt ? format.dateTime(template.lastSyncedAt) : t('templates.neverSynced')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {templates.hasNextPage && (
        <div className="admin-more">
          <button type="button" className="button" onClick={() => void templates.fetchNextPage()} disabled={templates.isFetchingNextPage}>
            {templates.isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}
