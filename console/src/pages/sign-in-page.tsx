import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client';
import { useSession } from '../auth/session-context';
import { decodeToken, isExpired } from '../auth/session';
import { LanguagePicker } from '../layout/language-picker';

export function SignInPage() {
  const { t } = useTranslation();
  const { signIn, signOut, endedByServer } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(endedByServer ? t('signIn.signedOut') : null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const decoded = decodeToken(token);
    if (!decoded || isExpired(decoded)) {
      setError(t('signIn.invalid'));
      return;
    }
    setBusy(true);
    setError(null);
    signIn(token);
    try {
      // The server is the judge: a token signed with another secret is refused here, not on the first screen.
      await call('me');
    } catch {
      signOut();
      setError(t('signIn.rejected'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <form className="card sign-in__card" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.intro')}</p>
        <label htmlFor="token">{t('signIn.tokenLabel')}</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        {error && (
          <p id="sign-in-error" role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row row--between">
          <LanguagePicker />
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('signIn.submit')}
          </button>
        </div>
      </form>
    </main>
  );
}
