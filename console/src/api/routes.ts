/**
 * Every API route the console calls, and nothing else: the client can only call a route named here, and
 * test/console/console-routes.e2e-spec.ts checks each against Parley's OpenAPI document (`/docs-json`), so the
 * console stays a client of the documented public API.
 */
export const ROUTES = {
  me: { method: 'GET', path: '/api/v1/me' },

  listConversations: { method: 'GET', path: '/api/v1/conversations' },
  getConversation: { method: 'GET', path: '/api/v1/conversations/{id}' },
  listConversationMessages: { method: 'GET', path: '/api/v1/conversations/{id}/messages' },
  markConversationRead: { method: 'POST', path: '/api/v1/conversations/{id}/read' },

  listContacts: { method: 'GET', path: '/api/v1/contacts' },
  getContact: { method: 'GET', path: '/api/v1/contacts/{id}' },
  listConsent: { method: 'GET', path: '/api/v1/contacts/{id}/consent' },
  recordConsent: { method: 'POST', path: '/api/v1/contacts/{id}/consent' },

  sendMessage: { method: 'POST', path: '/api/v1/messages' },
  getMessage: { method: 'GET', path: '/api/v1/messages/{id}' },
  getMessageMedia: { method: 'GET', path: '/api/v1/messages/{id}/media' },

  listApprovedTemplates: { method: 'GET', path: '/api/v1/templates' },

  streamToken: { method: 'POST', path: '/api/v1/events/stream-token' },
  eventStream: { method: 'GET', path: '/api/v1/events/stream' },

  listProviders: { method: 'GET', path: '/api/v1/admin/providers' },
  createProvider: { method: 'POST', path: '/api/v1/admin/providers' },
  getProvider: { method: 'GET', path: '/api/v1/admin/providers/{id}' },
  updateProvider: { method: 'PATCH', path: '/api/v1/admin/providers/{id}' },
  testProvider: { method: 'POST', path: '/api/v1/admin/providers/{id}/test' },
  simulateInbound: { method: 'POST', path: '/api/v1/sandbox/providers/{id}/inbound' },

  listTemplates: { method: 'GET', path: '/api/v1/admin/templates' },
  syncTemplates: { method: 'POST', path: '/api/v1/admin/templates/sync' },

  listBudgets: { method: 'GET', path: '/api/v1/admin/budgets' },
  createBudget: { method: 'POST', path: '/api/v1/admin/budgets' },
  updateBudget: { method: 'PATCH', path: '/api/v1/admin/budgets/{id}' },
  deleteBudget: { method: 'DELETE', path: '/api/v1/admin/budgets/{id}' },
  listNotifications: { method: 'GET', path: '/api/v1/admin/notifications' },

  getSettings: { method: 'GET', path: '/api/v1/admin/settings' },
  updateSettings: { method: 'PATCH', path: '/api/v1/admin/settings' },

  listWebhookEvents: { method: 'GET', path: '/api/v1/admin/webhook-events' },
  replayWebhookEvent: { method: 'POST', path: '/api/v1/admin/webhook-events/{id}/replay' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; path: string }>;

export type RouteName = keyof typeof ROUTES;

/** The URL of a route with its `{param}`s filled in (encoded) and a query string of the defined values. */
export function routeUrl(
  name: RouteName,
  params: Record<string, string> = {},
  query: Record<string, string | number | boolean | undefined | null> = {},
): string {
  const path = ROUTES[name].path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`route ${name} needs ${key}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}
