/**
 * The console's only session: a Parley JWT kept in sessionStorage (gone when the tab closes). No server-side
 * session exists; the API checks the token on every call and a 401 signs the console out.
 */
const STORAGE_KEY = 'parley.token';

export type Role = 'admin' | 'agent';

export interface Session {
  token: string;
  sub: string;
  tenantId: string;
  roles: Role[];
  /** Seconds since the epoch. */
  exp: number;
}

/** Reads the claims without verifying them: the server verifies; the console only needs them to shape the screen. */
export function decodeToken(token: string): Session | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(decodeURIComponent(escape(json))) as Partial<Record<string, unknown>>;
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is Role => r === 'admin' || r === 'agent') : [];
    if (typeof claims.sub !== 'string' || typeof claims.tenantId !== 'string' || roles.length === 0) return null;
    const exp = typeof claims.exp === 'number' ? claims.exp : Number.POSITIVE_INFINITY;
    return { token: token.trim(), sub: claims.sub, tenantId: claims.tenantId, roles, exp };
  } catch {
    return null;
  }
}

export function isExpired(session: Session, nowMs = Date.now()): boolean {
  return session.exp * 1000 <= nowMs;
}

export function loadSession(): Session | null {
  takeTokenFromFragment();
  const token = sessionStorage.getItem(STORAGE_KEY);
  const session = token ? decodeToken(token) : null;
  if (!session || isExpired(session)) {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
  return session;
}

export function saveToken(token: string): Session | null {
  const session = decodeToken(token);
  if (!session || isExpired(session)) return null;
  sessionStorage.setItem(STORAGE_KEY, session.token);
  return session;
}

/** The token API calls carry: the stored one, so that a sign-in takes effect at once. */
export function storedToken(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * `cli console:link` puts the token in the URL fragment (`#token=…`), which browsers never send to a server.
 * It is moved to sessionStorage at once and the fragment erased, so it stays out of history and bookmarks.
 */
function takeTokenFromFragment(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  saveToken(decodeURIComponent(match[1]));
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

export function hasRole(session: Session | null, role: Role): boolean {
  return !!session && session.roles.includes(role);
}
