import { useTranslation } from 'react-i18next';
import { errorText } from '../api/error-text';

/** An API error in words, announced to screen readers, with a retry button when there is something to retry. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="banner banner--danger error-alert" role="alert">
      <span>{errorText(t, error)}</span>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t('state.retry')}
        </button>
      )}
    </div>
  );
}
