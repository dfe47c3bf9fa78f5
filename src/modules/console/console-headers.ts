/** Where Parley serves the console. */
export const CONSOLE_PREFIX = '/console';

/**
 * What a console page may do: only Parley's own origin for scripts, styles and API calls (no inline code), images
 * and media also from blob:/data: URLs (media the console fetched with the token), and never inside a frame.
 */
export const CONSOLE_CSP =
  "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Build output with content-hashed names: a changed file gets a new name, so a copy never goes stale. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html names the current hashed files) is revalidated on every use. */
export const REVALIDATE = 'no-cache';

/** Whether a request path (query included or not) is the console's. */
export function isConsolePath(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`);
}

/**
 * Headers of a console response. `route` is the route that answered: only a file that exists under assets/ is
 * immutable; index.html, the SPA fallback (also for a missing asset) and errors are revalidated.
 */
export function consoleHeaders(route: string | undefined, status: number): Record<string, string> {
  const hashedFile = route !== undefined && route.startsWith(`${CONSOLE_PREFIX}/assets/`) && !route.includes('*') && status < 400;
  return {
    'cache-control': hashedFile ? IMMUTABLE : REVALIDATE,
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
