import { Navigate, Route, Routes } from 'react-router-dom';
import { BudgetsPage } from './budgets-page';
import { ProvidersPage } from './providers-page';
import { SettingsPage } from './settings-page';
import { TemplatesPage } from './templates-page';
import { WebhookEventsPage } from './webhook-events-page';
import './admin-strings';
import './admin.css';

/** The admin area (its own lazily loaded chunk): mounted by app.tsx at /admin/* for admins only. */
export default function AdminRoutes() {
  return (
    <Routes>
      <Route index element={<Navigate to="providers" replace />} />
      <Route path="providers" element={<ProvidersPage />} />
      <Route path="templates" element={<TemplatesPage />} />
      <Route path="budgets" element={<BudgetsPage />} />
      <Route path="settings" element={<SettingsPage />} />
      <Route path="webhook-events" element={<WebhookEventsPage />} />
      <Route path="*" element={<Navigate to="providers" replace />} />
    </Routes>
  );
}
