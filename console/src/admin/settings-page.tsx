import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { CHANNELS, DUPLICATE_POLICIES, settingsDraftOf, settingsPatch, type SettingsDraft } from './admin-rules';
import { adminKeys, describedBy, Field, fieldErrors, Skeleton } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { DuplicatePolicy, Settings, SettingsPatch } from './admin-types';
import './settings-page.css';

export function SettingsPage() {
  const { t } = useTranslation('admin');
  const settings = useQuery({
    queryKey: adminKeys.settings,
    queryFn: ({ signal }) => call<Settings>('getSettings', { signal }),
    // A refetch must not pull the ground from under an admin who is typing.
    refetchOnWindowFocus: false,
  });
  return (
    <div className="admin-page">
      <h1>{t('settings.title')}</h1>
      <p className="muted admin-page__intro">{t('settings.intro')}</p>
      {settings.isPending ? (
        <Skeleton rows={4} rowHeight="8rem" label={t('common.loading')} />
      ) : settings.isError ? (
        <ErrorAlert error={settings.error} onRetry={() => void settings.refetch()} />
      ) : (
        <SettingsForm initial={settings.data} />
      )}
    </div>
  );
}

function SettingsForm({ initial }: { initial: Settings }) {
  const { t } = useTranslation('admin');
  const id = useId();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState(() => settingsDraftOf(initial));
  const [nothingToSave, setNothingToSave] = useState(false);
  const save = useMutation({
    mutationFn: (body: SettingsPatch) => call<Settings>('updateSettings', { body }),
    onSuccess: (next) => {
      queryClient.setQueryData(adminKeys.settings, next);
      setSaved(next);
      setDraft(settingsDraftOf(next));
    },
  });
  const update = <K extends keyof SettingsDraft>(key: K, value: SettingsDraft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    setNothingToSave(false);
    save.reset();
  };
  const patch = useMemo(() => settingsPatch(draft, saved), [draft, saved]);
  const dirty = Object.keys(patch).length > 0;
  const timeZones = useMemo(() => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []), []);

  const apiErrors = fieldErrors(save.error);
  /** Nested fields come back as `quietHours.start` or `optOutKeywords.2`: each shows at its input. */
  const errorFor = (...keys: string[]): string | undefined => {
    const messages = Object.entries(apiErrors)
      .filter(([field]) => keys.some((key) => field === key || field.startsWith(`${key}.`) || field.startsWith(`${key}[`)))
      .map(([field, message]) => (keys.includes(field) ? message : `${field}: ${message}`));
    return messages.length > 0 ? messages.join(' ') : undefined;
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (dirty) save.mutate(patch);
    else setNothingToSave(true);
  };

  const optOutError = errorFor('optOutKeywords');
  const optOutHint = t('settings.fields.optOutKeywordsHint', { required: saved.requiredOptOutKeywords.join(', ') });
  const quietError = errorFor('quietHours');
  return (
    <form className="settings-form" onSubmit={submit} aria-label={t('settings.title')} noValidate>
      <fieldset className="card admin-fieldset">
        <legend>{t('settings.sections.consent')}</legend>
        <div className="settings-form__pair">
          <Field id={`${id}-opt-out`} label={t('settings.fields.optOutKeywords')} error={optOutError} hint={optOutHint}>
            <textarea
              id={`${id}-opt-out`}
              rows={6}
              value={draft.optOutKeywords}
              onChange={(e) => update('optOutKeywords', e.target.value)}
              {...describedBy(`${id}-opt-out`, optOutError, optOutHint)}
            />
          </Field>
          <Field id={`${id}-opt-in`} label={t('settings.fields.optInKeywords')} error={errorFor('optInKeywords')} hint={t('settings.fields.onePerLine')}>
            <textarea
              id={`${id}-opt-in`}
              rows={6}
              value={draft.optInKeywords}
              onChange={(e) => update('optInKeywords', e.target.value)}
              {...describedBy(`${id}-opt-in`, errorFor('optInKeywords'), t('settings.fields.onePerLine'))}
            />
          </Field>
          <Field id={`${id}-opt-out-ack`} label={t('settings.fields.optOutAcknowledgement')} error={errorFor('optOutAcknowledgement')}>
            <textarea
              id={`${id}-opt-out-ack`}
              rows={3}
              maxLength={1024}
              value={draft.optOutAcknowledgement}
              onChange={(e) => update('optOutAcknowledgement', e.target.value)}
              {...describedBy(`${id}-opt-out-ack`, errorFor('optOutAcknowledgement'))}
            />
          </Field>
          <Field id={`${id}-opt-in-ack`} label={t('settings.fields.optInAcknowledgement')} error={errorFor('optInAcknowledgement')}>
            <textarea
              id={`${id}-opt-in-ack`}
              rows={3}
              maxLength={1024}
              value={draft.optInAcknowledgement}
              onChange={(e) => update('optInAcknowledgement', e.target.value)}
              {...describedBy(`${id}-opt-in-ack`, errorFor('optInAcknowledgement'))}
            />
          </Field>
        </div>
        <fieldset className="settings-form__checks">
          <legend>{t('settings.fields.requireOptIn')}</legend>
          {CHANNELS.map((channel) => (
            <div className="admin-check" key={channel}>
              <input
                id={`${id}-require-${channel}`}
                type="checkbox"
                checked={draft.requireOptIn[channel]}
                onChange={(e) => update('requireOptIn', { ...draft.requireOptIn, [channel]: e.target.checked })}
              />
              <label htmlFor={`${id}-require-${channel}`}>{t(`settings.fields.requireOptInFor.${channel}`)}</label>
            </div>
          ))}
          {errorFor('requireOptIn') && <p className="error">{errorFor('requireOptIn')}</p>}
        </fieldset>
      </fieldset>

      <fieldset className="card admin-fieldset">
        <legend>{t('settings.sections.quietHours')}</legend>
        <div className="admin-check">
          <input id={`${id}-quiet`} type="checkbox" checked={draft.quietHoursOn} onChange={(e) => update('quietHoursOn', e.target.checked)} />
          <label htmlFor={`${id}-quiet`}>{t('settings.fields.quietHoursOn')}</label>
        </div>
        <p className="admin-field__hint muted">{t('settings.fields.quietHoursHint')}</p>
        <div className="admin-form__grid">
          <Field id={`${id}-quiet-start`} label={t('settings.fields.quietStart')} error={errorFor('quietHours.start')}>
            <input
              id={`${id}-quiet-start`}
              type="time"
              step={60}
              value={draft.quietStart}
              disabled={!draft.quietHoursOn}
              onChange={(e) => update('quietStart', e.target.value)}
              {...describedBy(`${id}-quiet-start`, errorFor('quietHours.start'))}
            />
          </Field>
          <Field id={`${id}-quiet-end`} label={t('settings.fields.quietEnd')} error={errorFor('quietHours.end')}>
            <input
              id={`${id}-quiet-end`}
              type="time"
              step={60}
              value={draft.quietEnd}
              disabled={!draft.quietHoursOn}
              onChange={(e) => update('quietEnd', e.target.value)}
              {...describedBy(`${id}-quiet-end`, errorFor('quietHours.end'))}
            />
          </Field>
          <Field id={`${id}-timezone`} label={t('settings.fields.timezone')} error={errorFor('timezone')}>
            <input
              id={`${id}-timezone`}
              list={`${id}-timezones`}
              value={draft.timezone}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => update('timezone', e.target.value)}
              {...describedBy(`${id}-timezone`, errorFor('timezone'))}
            />
            <datalist id={`${id}-timezones`}>
              {timeZones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </Field>
        </div>
        {quietError && !errorFor('quietHours.start') && !errorFor('quietHours.end') && <p className="error">{quietError}</p>}
      </fieldset>

      <fieldset className="card admin-fieldset">
        <legend>{t('settings.sections.sending')}</legend>
        <div className="admin-form__grid">
          <Field id={`${id}-retention`} label={t('settings.fields.retentionDays')} error={errorFor('retentionDays')} hint={t('settings.fields.retentionHint')}>
            <input
              id={`${id}-retention`}
              type="number"
              inputMode="numeric"
              min={1}
              max={36500}
              step={1}
              value={draft.retentionDays}
              onChange={(e) => update('retentionDays', e.target.value)}
              {...describedBy(`${id}-retention`, errorFor('retentionDays'), t('settings.fields.retentionHint'))}
            />
          </Field>
          <Field id={`${id}-duplicates`} label={t('settings.fields.duplicatePolicy')} error={errorFor('duplicatePolicy')} hint={t(`settings.duplicateHints.${draft.duplicatePolicy}`)}>
            <select
              id={`${id}-duplicates`}
              value={draft.duplicatePolicy}
              onChange={(e) => update('duplicatePolicy', e.target.value as DuplicatePolicy)}
              {...describedBy(`${id}-duplicates`, errorFor('duplicatePolicy'), t(`settings.duplicateHints.${draft.duplicatePolicy}`))}
            >
              {DUPLICATE_POLICIES.map((policy) => (
                <option key={policy} value={policy}>
                  {t(`settings.duplicatePolicies.${policy}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id={`${id}-per-minute`}
            label={t('settings.fields.businessSendsPerMinute')}
            error={errorFor('businessSendsPerMinute')}
            hint={t('settings.fields.businessSendsHint')}
          >
            <input
              id={`${id}-per-minute`}
              type="number"
              inputMode="numeric"
              min={1}
              max={1000000}
              step={1}
              value={draft.businessSendsPerMinute}
              onChange={(e) => update('businessSendsPerMinute', e.target.value)}
              {...describedBy(`${id}-per-minute`, errorFor('businessSendsPerMinute'), t('settings.fields.businessSendsHint'))}
            />
          </Field>
        </div>
        <div className="admin-check">
          <input
            id={`${id}-unscanned`}
            type="checkbox"
            checked={draft.serveUnscannedMedia}
            onChange={(e) => update('serveUnscannedMedia', e.target.checked)}
            aria-describedby={`${id}-unscanned-hint`}
          />
          <label htmlFor={`${id}-unscanned`}>{t('settings.fields.serveUnscannedMedia')}</label>
        </div>
        <p id={`${id}-unscanned-hint`} className="admin-field__hint muted">
          {t('settings.fields.serveUnscannedHint')}
        </p>
        {errorFor('serveUnscannedMedia') && <p className="error">{errorFor('serveUnscannedMedia')}</p>}
      </fieldset>

      {save.isError && <ErrorAlert error={save.error} />}
      <div className="row settings-form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {t('settings.save')}
        </button>
        <span role="status" className="muted">
          {save.isPending
            ? t('common.saving')
            : save.isSuccess && !dirty
              ? t('settings.saved')
              : dirty
                ? t('settings.unsaved')
                : nothingToSave
                  ? t('settings.nothingToSave')
                  : ''}
        </span>
      </div>
    </form>
  );
}
