import type { TFunction } from 'i18next';
import { ApiError } from './client';

/** An API error in the reader's language: the contract's code in words, with the fields that failed validation. */
export function errorText(t: TFunction, error: unknown): string {
  if (!(error instanceof ApiError)) return t('errors.unknown', { status: '?' });
  const code = error.code;
  if (code === 'validationFailed') {
    const fields = (error.details?.fields ?? {}) as Record<string, string>;
    const list = Object.entries(fields).map(([field, message]) => `${field}: ${message}`);
    return [t('errors.validationFailed'), ...list].join(' ');
  }
  if (code === 'internal') {
    const errorId = error.details?.errorId;
    return t('errors.internal', { errorId: typeof errorId === 'string' ? errorId : '?' });
  }
  const key = `errors.${code}`;
  if (i18nHas(t, key)) return t(key as 'errors.unknown', { status: error.status });
  // A code this console does not know yet: the server's own words are the best there are.
  return error.message || t('errors.unknown', { status: error.status });
}

function i18nHas(t: TFunction, key: string): boolean {
  return t(key as 'errors.unknown', { defaultValue: '' }) !== '';
}
