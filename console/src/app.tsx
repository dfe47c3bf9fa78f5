import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes } from 'react-router-dom';
import { hasRole } from './auth/session';
import { useSession } from './auth/session-context';
import { Shell } from './layout/shell';
import { InboxPage } from './inbox/inbox-page';
import { SignInPage } from './pages/sign-in-page';

// The admin area is its own chunk: agents never download it.
const AdminRoutes = lazy(() => import('./admin/admin-routes'));

export function App() {
  const { session } = useSession();
  const { t } = useTranslation();
  if (!session) return <SignInPage />;
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<Navigate to="/inbox" replace />} />
        <Route path="inbox" element={<InboxPage />} />
        <Route path="inbox/:conversationId" element={<InboxPage />} />
        <Route
          path="admin/*"
          element={
            hasRole(session, 'admin') ? (
              <Suspense fallback={<p className="page-status">{t('state.loading')}</p>}>
                <AdminRoutes />
              </Suspense>
            ) : (
              <p className="page-status" role="alert">
                {t('errors.forbidden')}
              </p>
            )
          }
        />
        <Route path="*" element={<Navigate to="/inbox" replace />} />
      </Route>
    </Routes>
  );
}
