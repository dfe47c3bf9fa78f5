import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import type { Page } from '../api/types';
import { adminKeys, EmptyState, FULL_PAGE, Skeleton, useFormat, useProviderName, useProviders } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { AdminNotification, Budget } from './admin-types';
import { BudgetForm } from './budget-form';
import './budgets-page.css';

export function BudgetsPage() {
  const { t } = useTranslation('admin');
  const providers = useProviders();
  const [creating, setCreating] = useState(false);
  const budgets = useQuery({
    queryKey: adminKeys.budgets,
    queryFn: ({ signal }) => call<Page<Budget>>('listBudgets', { query: { limit: FULL_PAGE }, signal }),
  });
  const providerList = providers.data?.items ?? [];

  return (
    <div className="admin-page">
      <div className="row row--between admin-page__header">
        <h1>{t('budgets.title')}</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)} disabled={creating || providerList.length === 0}>
          {t('budgets.new')}
        </button>
      </div>
      <p className="muted admin-page__intro">{t('budgets.intro')}</p>
      {providers.isSuccess && providerList.length === 0 && <p className="banner banner--warning">{t('budgets.needProvider')}</p>}
      {providers.isError && <ErrorAlert error={providers.error} onRetry={() => void providers.refetch()} />}
      {creating && <BudgetForm providers={providerList} onDone={() => setCreating(false)} />}
      {budgets.isPending ? (
        <Skeleton rows={2} rowHeight="11rem" label={t('common.loading')} />
      ) : budgets.isError ? (
        <ErrorAlert error={budgets.error} onRetry={() => void budgets.refetch()} />
      ) : budgets.data.items.length === 0 ? (
        <EmptyState>{t('budgets.empty')}</EmptyState>
      ) : (
        <ul className="admin-cards" aria-label={t('budgets.title')}>
          {budgets.data.items.map((budget) => (
            <li key={budget.id}>
              <BudgetCard budget={budget} />
            </li>
          ))}
        </ul>
      )}
      <Alerts />
    </div>
  );
}

function BudgetCard({ budget }: { budget: Budget }) {
  const { t } = useTranslation('admin');
  const format = useFormat();
  const headingId = useId();
  const providers = useProviders();
  const providerName = useProviderName();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => call<void>('deleteBudget', { params: { id: budget.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.budgets }),
  });

  if (editing) return <BudgetForm budget={budget} providers={providers.data?.items ?? []} onDone={() => setEditing(false)} />;

  const name = providerName(budget.providerId);
  return (
    <article className="card budget-card" aria-labelledby={headingId} data-budget-id={budget.id}>
      <div className="row row--between">
        <h2 id={headingId} className="budget-card__title">
          {t('budgets.cardTitle', { provider: name, period: t(`budgets.periods.${budget.period}`) })}
        </h2>
        <span className={budget.hardStop ? 'badge badge--danger' : 'badge'}>{budget.hardStop ? t('budgets.hardStop') : t('budgets.alertOnly')}</span>
      </div>
      {budget.maxMessages !== null && (
        <UsageBar
          label={t('budgets.messagesUsed')}
          value={budget.currentPeriodMessages}
          max={budget.maxMessages}
          threshold={budget.alertThresholdPct}
          text={t('budgets.messagesOf', { used: format.number(budget.currentPeriodMessages), max: format.number(budget.maxMessages) })}
        />
      )}
      {budget.maxCostEur !== null && (
        <UsageBar
          label={t('budgets.costUsed')}
          value={Number(budget.currentPeriodCostEur)}
          max={Number(budget.maxCostEur)}
          threshold={budget.alertThresholdPct}
          text={t('budgets.costOf', { used: format.eur(budget.currentPeriodCostEur), max: format.eur(budget.maxCostEur) })}
        />
      )}
      <dl className="admin-facts">
        <div>
          <dt>{t('budgets.fields.alertThresholdPct')}</dt>
          <dd>{budget.alertThresholdPct} %</dd>
        </div>
        <div>
          <dt>{t('budgets.resetsAt')}</dt>
          <dd>{format.dateTime(budget.periodResetAt)}</dd>
        </div>
      </dl>
      <div className="row">
        <button type="button" className="button" onClick={() => setEditing(true)}>
          {t('budgets.edit')}
        </button>
        {!confirming && (
          <button type="button" className="button button--danger" onClick={() => setConfirming(true)}>
            {t('budgets.delete')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="banner banner--warning budget-card__confirm" role="group" aria-label={t('budgets.confirmDelete')}>
          <p>{t('budgets.confirmDelete')}</p>
          <div className="row">
            <button type="button" className="button button--danger" onClick={() => remove.mutate()} disabled={remove.isPending} autoFocus>
              {t('budgets.confirmDeleteYes')}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
      {remove.isError && <ErrorAlert error={remove.error} />}
    </article>
  );
}

/** Amber from the alert threshold, red once the cap is reached. The ratio is display only, so a float is fine. */
function UsageBar({ label, value, max, threshold, text }: { label: string; value: number; max: number; threshold: number; text: string }) {
  const pct = max > 0 ? (value / max) * 100 : 0;
  const tone = pct >= 100 ? 'danger' : pct >= threshold ? 'warning' : 'ok';
  return (
    <div className="usage">
      <div className="row row--between usage__label">
        <span aria-hidden="true">{label}</span>
        <span>{text}</span>
      </div>
      <div
        className={`usage__track usage__track--${tone}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
      >
        <div className="usage__fill" style={{ width: `${Math.min(pct, 100)}%` }} />
      </div>
    </div>
  );
}

const NOTIFICATION_TONES: Record<string, string> = {
  budgetThreshold: 'badge badge--warning',
  budgetExhausted: 'badge badge--danger',
};

function Alerts() {
  const { t } = useTranslation('admin');
  const format = useFormat();
  const notifications = useInfiniteQuery({
    queryKey: adminKeys.notifications,
    queryFn: ({ signal, pageParam }) => call<Page<AdminNotification>>('listNotifications', { query: { limit: 20, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = notifications.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="budget-alerts" aria-labelledby="budget-alerts-title">
      <h2 id="budget-alerts-title">{t('budgets.alerts.title')}</h2>
      {notifications.isPending ? (
        <Skeleton rows={3} rowHeight="3rem" label={t('common.loading')} />
      ) : notifications.isError ? (
        <ErrorAlert error={notifications.error} onRetry={() => void notifications.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>{t('budgets.alerts.empty')}</EmptyState>
      ) : (
        <ul className="budget-alerts__list">
          {items.map((notification) => (
            <li key={notification.id} className="budget-alerts__item">
              <span className={NOTIFICATION_TONES[notification.type] ?? 'badge'}>
                {t(`budgets.alerts.types.${notification.type as 'budgetThreshold'}`, { defaultValue: notification.type })}
              </span>
              <span className="budget-alerts__message">{notification.message}</span>
              <time className="muted" dateTime={notification.createdAt}>
                {format.dateTime(notification.createdAt)}
              </time>
            </li>
          ))}
        </ul>
      )}
      {notifications.hasNextPage && (
        <div className="admin-more">
          <button type="button" className="button" onClick={() => void notifications.fetchNextPage()} disabled={notifications.isFetchingNextPage}>
            {notifications.isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </section>
  );
}
