import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { trackOpen } from './open-resources';
import { ROOT } from './spawn';

/** Debian's Chromium, driven by playwright-core: no browser download, the same binary CI installs with apt. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS_DIR = join(ROOT, 'console', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

// Background features would call Google's servers; the tests never leave 127.0.0.1.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Long enough for a loaded 2-core machine, short enough that a missing control fails the test, not Jest's timeout. */
const ACTION_TIMEOUT_MS = 10_000;

export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Uncaught exceptions thrown in any page of the context: a crashed render is a failure even if the test's checks pass. */
  pageErrors: string[];
  /** A blank page of the context (English, desktop size). */
  newPage(): Promise<Page>;
  /** A page with the console open at `path` (e.g. `/inbox`), signed in with the token through the URL fragment. */
  openConsole(token: string, path?: string): Promise<Page>;
  /** The console's URL for a path, without a token. */
  consoleUrl(path?: string): string;
  close(): Promise<void>;
}

/**
 * One Chromium and one fresh context per test file, for the console Parley serves at `${baseUrl}/console`.
 * The language is forced to English (the UI contract's names are English; Dutch is the console's default).
 */
export async function startBrowser(baseUrl: string): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH} (the console's browser tests need it): install it: apt-get install -y chromium, or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  // Registered at once, so that a failing set-up below still closes the browser (test/support/close-leftovers.ts).
  const tracked = trackOpen({ close: () => browser.close() });
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en', timezoneId: 'Europe/Amsterdam' });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  // Runs in every document before its scripts; the server's tsconfig has no DOM types, hence the narrow cast.
  await context.addInitScript(() => {
    const page = globalThis as unknown as { location: { protocol: string }; localStorage: { setItem(key: string, value: string): void } };
    // about:blank has an opaque origin without storage: reading localStorage there throws.
    if (page.location.protocol === 'http:' || page.location.protocol === 'https:') page.localStorage.setItem('parley.language', 'en');
  });
  const pageErrors: string[] = [];
  context.on('page', (page) => page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.stack ?? error.message}`)));

  const consoleUrl = (path = '/') => `${baseUrl}/console${path.startsWith('/') ? path : `/${path}`}`;
  return {
    browser,
    context,
    pageErrors,
    consoleUrl,
    newPage: () => context.newPage(),
    openConsole: async (token, path = '/inbox') => {
      const page = await context.newPage();
      // The fragment never reaches the server; the console moves the token to sessionStorage and erases it.
      await page.goto(`${consoleUrl(path)}#token=${encodeURIComponent(token)}`);
      return page;
    },
    close: () => tracked.close(),
  };
}

/** Saves a screenshot of the page's viewport as console/screenshots/<name>.png (embedded in the README). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  // Animations stopped and the caret hidden, so that the committed images only change when the UI does.
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/**
 * Retries a check made of Jest assertions until it passes (like Playwright Test's `expect.poll`, which
 * playwright-core lacks); after the timeout the last assertion error is thrown as it is, so the failure
 * message says what was expected and what the page showed.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = ACTION_TIMEOUT_MS, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
