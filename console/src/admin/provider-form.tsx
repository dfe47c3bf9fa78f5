import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { providerDraftOf, toInteger, typedCredentials, type ProviderDraft } from './admin-rules';
import { adminKeys, describedBy, Field, fieldErrors } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { AdminProvider, ProviderKind } from './admin-types';
import { credentialFields, VENDOR_NAMES, vendorSpec, type Vendor } from './vendors';

/** Create a provider, or edit one (kind and vendor are fixed once created: another vendor is another provider). */
export function ProviderForm({ provider, onDone }: { provider?: AdminProvider; onDone: (saved?: AdminProvider) => void }) {
  const { t } = useTranslation('admin');
  const queryClient = useQueryClient();
  const id = useId();
  const [draft, setDraft] = useState<ProviderDraft>(() => providerDraftOf(provider));
  const editing = provider !== undefined;
  const spec = vendorSpec(draft.vendor);
  const kinds = spec?.kinds ?? [draft.kind];

  const save = useMutation({
    mutationFn: () => {
      const credentials = typedCredentials(draft);
      const common = {
        name: draft.name.trim(),
        phoneNumber: draft.phoneNumber.trim(),
        priority: toInteger(draft.priority),
        active: draft.active,
        rateLimitPerSecond: toInteger(draft.rateLimitPerSecond),
        webhookSecret: draft.webhookSecret || undefined,
        verifyToken: draft.verifyToken || undefined,
      };
      if (editing) {
        return call<AdminProvider>('updateProvider', {
          params: { id: provider.id },
          body: { ...common, credentials: Object.keys(credentials).length > 0 ? credentials : undefined },
        });
      }
      return call<AdminProvider>('createProvider', { body: { ...common, kind: draft.kind, vendor: draft.vendor, credentials } });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: adminKeys.providers });
      onDone(saved);
    },
  });
  const errors = fieldErrors(save.error);
  const credentialError = (key: string) => errors[`credentials.${key}`] ?? errors[key];

  const update = <K extends keyof ProviderDraft>(key: K, value: ProviderDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const changeVendor = (vendor: string) =>
    setDraft((current) => {
      const allowed = vendorSpec(vendor)?.kinds ?? [];
      return { ...current, vendor, kind: allowed.includes(current.kind) ? current.kind : (allowed[0] ?? current.kind), credentials: {} };
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  const secretHint = editing ? t('providers.form.keepSecret') : undefined;
  const webhookSecretPolicy = spec?.webhookSecret ?? 'optional';

  return (
    <form className="card admin-form" aria-label={editing ? t('providers.form.editTitle', { name: provider.name }) : t('providers.form.newTitle')} onSubmit={submit}>
      <h2>{editing ? t('providers.form.editTitle', { name: provider.name }) : t('providers.form.newTitle')}</h2>
      <div className="admin-form__grid">
        <Field id={`${id}-name`} label={t('providers.fields.name')} error={errors.name}>
          <input
            id={`${id}-name`}
            value={draft.name}
            onChange={(e) => update('name', e.target.value)}
            required
            maxLength={100}
            // The button that opened the form is gone (Edit) or far above: the form takes the focus.
            autoFocus
            {...describedBy(`${id}-name`, errors.name)}
          />
        </Field>
        <Field id={`${id}-vendor`} label={t('providers.fields.vendor')} error={errors.vendor}>
          {editing ? (
            <input id={`${id}-vendor`} value={t(`vendors.${draft.vendor as Vendor}`, { defaultValue: draft.vendor })} readOnly />
          ) : (
            <select id={`${id}-vendor`} value={draft.vendor} onChange={(e) => changeVendor(e.target.value)} {...describedBy(`${id}-vendor`, errors.vendor)}>
              {VENDOR_NAMES.map((vendor) => (
                <option key={vendor} value={vendor}>
                  {t(`vendors.${vendor}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${id}-kind`} label={t('providers.fields.kind')} error={errors.kind}>
          {editing ? (
            <input id={`${id}-kind`} value={t(`kinds.${draft.kind}`)} readOnly />
          ) : (
            <select id={`${id}-kind`} value={draft.kind} onChange={(e) => update('kind', e.target.value as ProviderKind)} {...describedBy(`${id}-kind`, errors.kind)}>
              {kinds.map((kind) => (
                <option key={kind} value={kind}>
                  {t(`kinds.${kind}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${id}-phone`} label={t('providers.fields.phoneNumber')} error={errors.phoneNumber} hint={t('providers.form.phoneHint')}>
          <input
            id={`${id}-phone`}
            value={draft.phoneNumber}
            onChange={(e) => update('phoneNumber', e.target.value)}
            required
            maxLength={32}
            autoComplete="off"
            {...describedBy(`${id}-phone`, errors.phoneNumber, t('providers.form.phoneHint'))}
          />
        </Field>
        <Field id={`${id}-priority`} label={t('providers.fields.priority')} error={errors.priority} hint={t('providers.form.priorityHint')}>
          <input
            id={`${id}-priority`}
            type="number"
            inputMode="numeric"
            min={0}
            max={1000000}
            step={1}
            value={draft.priority}
            onChange={(e) => update('priority', e.target.value)}
            {...describedBy(`${id}-priority`, errors.priority, t('providers.form.priorityHint'))}
          />
        </Field>
        <Field id={`${id}-rate`} label={t('providers.fields.rateLimit')} error={errors.rateLimitPerSecond} hint={t('providers.form.rateLimitHint')}>
          <input
            id={`${id}-rate`}
            type="number"
            inputMode="numeric"
            min={1}
            max={10000}
            step={1}
            value={draft.rateLimitPerSecond}
            onChange={(e) => update('rateLimitPerSecond', e.target.value)}
            {...describedBy(`${id}-rate`, errors.rateLimitPerSecond, t('providers.form.rateLimitHint'))}
          />
        </Field>
      </div>
      <div className="admin-check">
        <input id={`${id}-active`} type="checkbox" checked={draft.active} onChange={(e) => update('active', e.target.checked)} />
        <label htmlFor={`${id}-active`}>{t('providers.fields.active')}</label>
      </div>

      <fieldset className="admin-fieldset">
        <legend>{t('providers.form.secrets')}</legend>
        <div className="admin-form__grid">
          {webhookSecretPolicy !== 'generated' && (
            <SecretField
              id={`${id}-webhook-secret`}
              label={t('providers.fields.webhookSecret')}
              value={draft.webhookSecret}
              onChange={(value) => update('webhookSecret', value)}
              required={!editing && webhookSecretPolicy === 'required'}
              error={errors.webhookSecret}
              hint={secretHint ?? (webhookSecretPolicy === 'optional' ? t('providers.form.webhookSecretOptional') : undefined)}
            />
          )}
          {spec?.verifyToken && (
            <SecretField
              id={`${id}-verify-token`}
              label={t('providers.fields.verifyToken')}
              value={draft.verifyToken}
              onChange={(value) => update('verifyToken', value)}
              error={errors.verifyToken}
              hint={secretHint}
            />
          )}
          {credentialFields(draft.vendor, draft.kind).map((field) => {
            const fieldId = `${id}-cred-${field.key}`;
            const label = t(`credentials.${field.key}`, { defaultValue: field.key }) + (field.required ? '' : ` ${t('providers.form.optional')}`);
            const value = draft.credentials[field.key] ?? '';
            const onChange = (next: string) => setDraft((current) => ({ ...current, credentials: { ...current.credentials, [field.key]: next } }));
            const error = credentialError(field.key);
            if (field.secret) {
              return (
                <SecretField
                  key={field.key}
                  id={fieldId}
                  label={label}
                  value={value}
                  onChange={onChange}
                  multiline={field.multiline}
                  required={!editing && field.required}
                  error={error}
                  hint={secretHint}
                />
              );
            }
            const hint = editing ? t('providers.form.keepValue') : undefined;
            return (
              <Field key={field.key} id={fieldId} label={label} error={error} hint={hint}>
                <input
                  id={fieldId}
                  value={value}
                  onChange={(e) => onChange(e.target.value)}
                  required={!editing && field.required}
                  autoComplete="off"
                  spellCheck={false}
                  {...describedBy(fieldId, error, hint)}
                />
              </Field>
            );
          })}
        </div>
        {errors.credentials && <p className="error">{errors.credentials}</p>}
      </fieldset>

      {save.isError && <ErrorAlert error={save.error} />}
      <div className="row admin-form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? t('common.saving') : editing ? t('common.saveChanges') : t('providers.form.create')}
        </button>
        <button type="button" className="button" onClick={() => onDone()}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** A password input (or textarea for keys) whose value the API never returns. */
function SecretField({
  id,
  label,
  value,
  onChange,
  required,
  error,
  hint,
  multiline,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: string;
  hint?: string;
  multiline?: boolean;
}) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {multiline ? (
        <textarea
          id={id}
          rows={4}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={required}
          autoComplete="off"
          spellCheck={false}
          className="admin-secret-textarea"
          {...describedBy(id, error, hint)}
        />
      ) : (
        <input
          id={id}
          type="password"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={required}
          autoComplete="new-password"
          spellCheck={false}
          {...describedBy(id, error, hint)}
        />
      )}
    </Field>
  );
}
