import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call } from '../api/client';
import type { Page } from '../api/types';
import type { AdminProvider } from './admin-types';

/** react-query keys of the admin area: mutations invalidate by these prefixes. */
export const adminKeys = {
  all: ['admin'] as const,
  providers: ['admin', 'providers'] as const,
  templates: ['admin', 'templates'] as const,
  budgets: ['admin', 'budgets'] as const,
  notifications: ['admin', 'notifications'] as const,
  settings: ['admin', 'settings'] as const,
  webhookEvents: ['admin', 'webhook-events'] as const,
};

/** The largest page the API serves: tenants have a handful of providers and budgets, so one page is all of them. */
export const FULL_PAGE = 200;

/** Every provider of the tenant; the other pages use it to show provider names instead of ids. */
export function useProviders() {
  return useQuery({
    queryKey: adminKeys.providers,
    queryFn: ({ signal }) => call<Page<AdminProvider>>('listProviders', { query: { limit: FULL_PAGE }, signal }),
  });
}

export function useProviderName(): (id: string | null) => string {
  const providers = useProviders();
  return (id) => {
    if (!id) return '—';
    return providers.data?.items.find((provider) => provider.id === id)?.name ?? id.slice(0, 8);
  };
}

/** The field messages of a `validationFailed` answer (details.fields), to show beside each input. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.code !== 'validationFailed') return {};
  const fields = error.details?.fields;
  if (!fields || typeof fields !== 'object') return {};
  return Object.fromEntries(Object.entries(fields as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
}

/** Placeholder rows of the height the content will take, so the page does not jump when it arrives. */
export function Skeleton({ rows = 3, rowHeight = '3.5rem', label }: { rows?: number; rowHeight?: string; label: string }) {
  return (
    <div className="admin-skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className="admin-skeleton__row" style={{ height: rowHeight }} aria-hidden="true" />
      ))}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="admin-empty card">{children}</p>;
}

/** Dates, numbers and money in the reader's language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return {
    dateTime: (iso: string | null | undefined): string =>
      iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—',
    number: (value: number): string => new Intl.NumberFormat(locale).format(value),
    /** Display only: the decimal string itself is what the API stores. */
    eur: (decimal: string): string =>
      new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR', maximumFractionDigits: 8, minimumFractionDigits: 2 }).format(
        Number(decimal),
      ),
  };
}

/** Copies text to the clipboard; where the Clipboard API is missing (plain http) it selects the text for Ctrl+C instead. */
export function CopyField({ value, label }: { value: string; label: string }) {
  const { t } = useTranslation('admin');
  const inputRef = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'selected'>('idle');
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      inputRef.current?.focus();
      inputRef.current?.select();
      setState('selected');
    }
  };
  return (
    <div className="admin-copy">
      <input ref={inputRef} readOnly value={value} aria-label={label} className="admin-copy__input" onFocus={(e) => e.target.select()} />
      <button type="button" className="button" onClick={() => void copy()}>
        {t('common.copy')}
      </button>
      <span className="admin-copy__status muted" aria-live="polite">
        {state === 'copied' ? t('common.copied') : state === 'selected' ? t('common.copySelected') : ''}
      </span>
    </div>
  );
}

/** A label with its input and the API's message for that field below it. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className={error ? 'admin-field admin-field--invalid' : 'admin-field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="admin-field__hint muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="admin-field__error error">
          {error}
        </p>
      )}
    </div>
  );
}

/** aria attributes tying an input to its hint and error. */
export function describedBy(id: string, error?: string, hint?: string) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-invalid': error ? true : undefined, 'aria-describedby': ids || undefined } as const;
}
