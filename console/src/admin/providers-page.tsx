import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError, call } from '../api/client';
import { errorText } from '../api/error-text';
import { adminKeys, CopyField, EmptyState, Field, fieldErrors, describedBy, Skeleton, useFormat, useProviders } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { AdminProvider, ProviderTestResult } from './admin-types';
import { ProviderForm } from './provider-form';
import { vendorSpec, type Vendor } from './vendors';
import './providers-page.css';

export function ProvidersPage() {
  const { t } = useTranslation('admin');
  const providers = useProviders();
  const [creating, setCreating] = useState(false);

  return (
    <div className="admin-page">
      <div className="row row--between admin-page__header">
        <h1>{t('providers.title')}</h1>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)} disabled={creating}>
          {t('providers.new')}
        </button>
      </div>
      <p className="muted admin-page__intro">{t('providers.intro')}</p>
      {creating && <ProviderForm onDone={() => setCreating(false)} />}
      {providers.isPending ? (
        <Skeleton rows={2} rowHeight="12rem" label={t('common.loading')} />
      ) : providers.isError ? (
        <ErrorAlert error={providers.error} onRetry={() => void providers.refetch()} />
      ) : providers.data.items.length === 0 ? (
        <EmptyState>{t('providers.empty')}</EmptyState>
      ) : (
        <ul className="admin-cards" aria-label={t('providers.title')}>
          {providers.data.items.map((provider) => (
            <li key={provider.id}>
              <ProviderCard provider={provider} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ProviderCard({ provider }: { provider: AdminProvider }) {
  const { t } = useTranslation('admin');
  const [editing, setEditing] = useState(false);
  const headingId = useId();
  if (editing) return <ProviderForm provider={provider} onDone={() => setEditing(false)} />;
  // The sandbox takes no credentials: "none set" would read as a problem there.
  const needsCredentials = vendorSpec(provider.vendor)?.credentials.some((field) => field.required) ?? true;
  return (
    <article className="card provider-card" aria-labelledby={headingId} data-provider-id={provider.id}>
      <div className="row row--between">
        <h2 id={headingId} className="provider-card__name">
          {provider.name}
        </h2>
        <div className="row">
          <span className={provider.active ? 'badge badge--ok' : 'badge'}>{provider.active ? t('providers.active') : t('providers.inactive')}</span>
          {needsCredentials && (
            <span className={provider.hasCredentials ? 'badge badge--ok' : 'badge badge--warning'}>
              {provider.hasCredentials ? t('providers.credentialsSet') : t('providers.credentialsMissing')}
            </span>
          )}
        </div>
      </div>
      <dl className="admin-facts">
        <div>
          <dt>{t('providers.fields.vendor')}</dt>
          <dd>{t(`vendors.${provider.vendor as Vendor}`, { defaultValue: provider.vendor })}</dd>
        </div>
        <div>
          <dt>{t('providers.fields.channel')}</dt>
          <dd>{t(`kinds.${provider.kind}`)}</dd>
        </div>
        <div>
          <dt>{t('providers.fields.phoneNumber')}</dt>
          <dd>{provider.phoneNumber}</dd>
        </div>
        <div>
          <dt>{t('providers.fields.priority')}</dt>
          <dd>{provider.priority}</dd>
        </div>
        <div>
          <dt>{t('providers.fields.rateLimit')}</dt>
          <dd>{provider.rateLimitPerSecond === null ? '—' : t('providers.perSecond', { count: provider.rateLimitPerSecond })}</dd>
        </div>
      </dl>
      <div className="provider-card__webhook">
        <span className="provider-card__label">{t('providers.webhookUrl')}</span>
        <CopyField value={provider.webhookUrl} label={t('providers.webhookUrlOf', { name: provider.name })} />
      </div>
      <ConnectionTest provider={provider} onEdit={() => setEditing(true)} />
      {provider.vendor === 'sandbox' && <SimulateInbound provider={provider} />}
    </article>
  );
}

function ConnectionTest({ provider, onEdit }: { provider: AdminProvider; onEdit: () => void }) {
  const { t } = useTranslation('admin');
  const { t: tCommon, i18n } = useTranslation();
  const format = useFormat();
  const test = useMutation({
    mutationFn: () => call<ProviderTestResult>('testProvider', { params: { id: provider.id } }),
  });
  const result = test.data;
  /** The normalized code in the reader's language (a vendor's failure codes first), the server's own words beside it. */
  const failureWords = (error: NonNullable<ProviderTestResult['error']>): string => {
    const vendorKey = `providers.test.codes.${error.code}`;
    const words = i18n.exists(vendorKey, { ns: 'admin' })
      ? t(vendorKey as 'providers.test.codes.vendorRejected')
      : errorText(tCommon, new ApiError(0, error.code, error.message));
    return words === error.message ? words : `${words} (${error.message})`;
  };
  return (
    <>
      <div className="row provider-card__actions">
        <button type="button" className="button" onClick={() => test.mutate()} disabled={test.isPending}>
          {t('providers.test.button')}
        </button>
        <button type="button" className="button" onClick={onEdit}>
          {t('providers.edit')}
        </button>
      </div>
      <div className="provider-test" aria-live="polite">
        {test.isPending && <p className="muted">{t('providers.test.running')}</p>}
        {test.isError && <ErrorAlert error={test.error} />}
        {result && !test.isPending && (
          <div className={result.ok ? 'banner provider-test__ok' : 'banner banner--danger'} role={result.ok ? 'status' : 'alert'}>
            <p className="provider-test__verdict">
              <strong>{result.ok ? t('providers.test.ok') : t('providers.test.failed')}</strong>{' '}
              {t('providers.test.latency', { ms: format.number(result.latencyMs) })}
            </p>
            <p>{t('providers.test.check', { check: result.check })}</p>
            {result.error && (
              <p>
                {failureWords(result.error)}
                {(result.error.vendorErrorCode || result.error.vendorErrorMessage) &&
                  ` ${t('providers.test.vendorSaid', {
                    code: result.error.vendorErrorCode ?? '—',
                    message: result.error.vendorErrorMessage ?? '',
                  })}`}
              </p>
            )}
            <p className="muted">{t('providers.test.checkedAt', { time: format.dateTime(result.checkedAt) })}</p>
          </div>
        )}
      </div>
    </>
  );
}

/** The sandbox plays the customer: a new admin can try the inbox without a vendor account. */
function SimulateInbound({ provider }: { provider: AdminProvider }) {
  const { t } = useTranslation('admin');
  const id = useId();
  const queryClient = useQueryClient();
  const [from, setFrom] = useState('');
  const [text, setText] = useState('');
  const simulate = useMutation({
    mutationFn: () => call<{ vendorMessageId: string }>('simulateInbound', { params: { id: provider.id }, body: { from: from.trim(), text } }),
    onSuccess: async () => {
      setText('');
      // The inbox's lists are not admin keys; a simulated message changes them.
      await queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== adminKeys.all[0] });
    },
  });
  const errors = fieldErrors(simulate.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    simulate.mutate();
  };
  return (
    <form className="provider-simulate" aria-label={t('providers.simulate.title')} onSubmit={submit}>
      <h3>{t('providers.simulate.title')}</h3>
      <p className="muted">{t('providers.simulate.intro')}</p>
      <div className="provider-simulate__fields">
        <Field id={`${id}-from`} label={t('providers.simulate.from')} error={errors.from}>
          <input
            id={`${id}-from`}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            required
            maxLength={40}
            inputMode="tel"
            placeholder="+31612345678"
            autoComplete="off"
            {...describedBy(`${id}-from`, errors.from)}
          />
        </Field>
        <Field id={`${id}-text`} label={t('providers.simulate.text')} error={errors.text}>
          <input id={`${id}-text`} value={text} onChange={(e) => setText(e.target.value)} required maxLength={4096} {...describedBy(`${id}-text`, errors.text)} />
        </Field>
        <button type="submit" className="button button--primary" disabled={simulate.isPending || text.trim() === '' || from.trim() === ''}>
          {t('providers.simulate.submit')}
        </button>
      </div>
      <div aria-live="polite">
        {simulate.isSuccess && (
          <p className="provider-simulate__done">
            {t('providers.simulate.done')} <Link to="/inbox">{t('providers.simulate.openInbox')}</Link>
          </p>
        )}
      </div>
      {simulate.isError && <ErrorAlert error={simulate.error} />}
    </form>
  );
}
