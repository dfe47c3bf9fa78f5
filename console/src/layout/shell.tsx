import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router-dom';
import { hasRole } from '../auth/session';
import { useSession } from '../auth/session-context';
import { LanguagePicker } from './language-picker';

const ADMIN_LINKS = [
  ['providers', 'nav.providers'],
  ['templates', 'nav.templates'],
  ['budgets', 'nav.budgets'],
  ['settings', 'nav.settings'],
  ['webhook-events', 'nav.webhookEvents'],
] as const;

/** Header with the navigation, and the page below it. */
export function Shell() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <header className="shell__header">
        <span className="shell__brand">{t('appName')}</span>
        <nav aria-label={t('nav.mainNavigation')} className="shell__nav">
          <NavLink to="/inbox">{t('nav.inbox')}</NavLink>
          {hasRole(session, 'admin') &&
            ADMIN_LINKS.map(([path, label]) => (
              <NavLink key={path} to={`/admin/${path}`}>
                {t(label)}
              </NavLink>
            ))}
        </nav>
        <div className="shell__tools">
          <LanguagePicker />
          <button type="button" className="button button--quiet" onClick={() => signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main id="main" className="shell__main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
