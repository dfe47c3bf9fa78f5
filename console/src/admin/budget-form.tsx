import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { BUDGET_PERIODS, budgetBody, budgetDraftOf, EUR_AMOUNT, normalizeEur, type BudgetDraft } from './admin-rules';
import { adminKeys, describedBy, Field, fieldErrors } from './admin-shared';
import { ErrorAlert } from '../layout/error-alert';
import type { AdminProvider, Budget, BudgetPeriod } from './admin-types';

export function BudgetForm({ budget, providers, onDone }: { budget?: Budget; providers: AdminProvider[]; onDone: () => void }) {
  const { t } = useTranslation('admin');
  const id = useId();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<BudgetDraft>(() => budgetDraftOf(budget, providers));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const update = <K extends keyof BudgetDraft>(key: K, value: BudgetDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      budget ? call<Budget>('updateBudget', { params: { id: budget.id }, body }) : call<Budget>('createBudget', { body }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: adminKeys.budgets });
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...localErrors };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (draft.maxMessages.trim() === '' && draft.maxCostEur.trim() === '') problems.maxMessages = t('budgets.form.needCap');
    if (draft.maxCostEur.trim() !== '' && !EUR_AMOUNT.test(normalizeEur(draft.maxCostEur))) problems.maxCostEur = t('budgets.form.invalidAmount');
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const body = budgetBody(draft, budget);
    if (budget && Object.keys(body).length === 0) {
      onDone();
      return;
    }
    save.mutate(body);
  };

  const title = budget ? t('budgets.form.editTitle') : t('budgets.form.newTitle');
  return (
    <form className="card admin-form" aria-label={title} onSubmit={submit} noValidate>
      <h2>{title}</h2>
      <div className="admin-form__grid">
        <Field id={`${id}-provider`} label={t('budgets.fields.provider')} error={errors.providerId}>
          <select
            id={`${id}-provider`}
            value={draft.providerId}
            onChange={(e) => update('providerId', e.target.value)}
            disabled={budget !== undefined}
            autoFocus={budget === undefined}
            required
            {...describedBy(`${id}-provider`, errors.providerId)}
          >
            {providers.map((provider) => (
              <option key={provider.id} value={provider.id}>
                {provider.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-period`} label={t('budgets.fields.period')} error={errors.period}>
          <select id={`${id}-period`} autoFocus={budget !== undefined} value={draft.period} onChange={(e) => update('period', e.target.value as BudgetPeriod)} {...describedBy(`${id}-period`, errors.period)}>
            {BUDGET_PERIODS.map((period) => (
              <option key={period} value={period}>
                {t(`budgets.periods.${period}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-messages`} label={t('budgets.fields.maxMessages')} error={errors.maxMessages} hint={t('budgets.form.capHint')}>
          <input
            id={`${id}-messages`}
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            value={draft.maxMessages}
            onChange={(e) => update('maxMessages', e.target.value)}
            {...describedBy(`${id}-messages`, errors.maxMessages, t('budgets.form.capHint'))}
          />
        </Field>
        <Field id={`${id}-cost`} label={t('budgets.fields.maxCostEur')} error={errors.maxCostEur} hint={t('budgets.form.costHint')}>
          <input
            id={`${id}-cost`}
            inputMode="decimal"
            autoComplete="off"
            value={draft.maxCostEur}
            onChange={(e) => update('maxCostEur', e.target.value)}
            {...describedBy(`${id}-cost`, errors.maxCostEur, t('budgets.form.costHint'))}
          />
        </Field>
        <Field id={`${id}-threshold`} label={t('budgets.fields.alertThresholdPct')} error={errors.alertThresholdPct}>
          <input
            id={`${id}-threshold`}
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            step={1}
            required
            value={draft.alertThresholdPct}
            onChange={(e) => update('alertThresholdPct', e.target.value)}
            {...describedBy(`${id}-threshold`, errors.alertThresholdPct)}
          />
        </Field>
      </div>
      <div className="admin-check">
        <input id={`${id}-hard-stop`} type="checkbox" checked={draft.hardStop} onChange={(e) => update('hardStop', e.target.checked)} aria-describedby={`${id}-hard-stop-hint`} />
        <label htmlFor={`${id}-hard-stop`}>{t('budgets.fields.hardStop')}</label>
      </div>
      <p id={`${id}-hard-stop-hint`} className="admin-field__hint muted">
        {t('budgets.form.hardStopHint')}
      </p>
      {Object.keys(localErrors).length > 0 && (
        <p className="banner banner--danger" role="alert">
          {Object.values(localErrors).join(' ')}
        </p>
      )}
      {save.isError && <ErrorAlert error={save.error} />}
      <div className="row admin-form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? t('common.saving') : budget ? t('common.saveChanges') : t('budgets.form.create')}
        </button>
        <button type="button" className="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
