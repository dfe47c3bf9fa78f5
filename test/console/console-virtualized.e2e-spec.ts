import type { Page } from 'playwright-core';
import { eventually } from '../support/browser';
import { closeConsoleFixture, startConsoleFixture, type ConsoleFixture } from './console-setup';

const CONVERSATIONS = 500;
/** Rows a virtualized list may keep in the DOM: what fits the viewport plus overscan, far from 500. */
const MAX_ROWS_IN_DOM = 60;

/** "Klant 001" … "Klant 500", newest first: Klant 001 wrote a minute ago, Klant 500 wrote 500 minutes ago. */
const customer = (n: number) => `Klant ${String(n).padStart(3, '0')}`;

describe('console inbox with 500 conversations (in Chromium)', () => {
  jest.setTimeout(60_000);
  let f: ConsoleFixture;
  let page: Page;

  beforeAll(async () => {
    f = await startConsoleFixture();
    // Contacts, conversations and one customer message each, in one statement.
    await f.t.dataSource.query(
      `WITH contacts AS (
         INSERT INTO contact (tenant_id, phone_number, name)
         SELECT $1, '+3165' || lpad(n::text, 7, '0'), 'Klant ' || lpad(n::text, 3, '0') FROM generate_series(1, $3::int) AS n
         RETURNING id, phone_number
       ), conversations AS (
         INSERT INTO conversation (tenant_id, contact_id, channel, provider_id, last_inbound_at, last_message_at)
         SELECT $1, id, 'whatsapp', $2, at, at
         FROM (SELECT id, now() - right(phone_number, 7)::int * interval '1 minute' AS at FROM contacts) AS numbered
         RETURNING id, contact_id, last_message_at
       )
       INSERT INTO message (tenant_id, conversation_id, contact_id, provider_id, channel, direction, status, type, text, created_at, updated_at)
       SELECT $1, id, contact_id, $2, 'whatsapp', 'inbound', 'received', 'text', 'Waar blijft mijn bestelling?', last_message_at, last_message_at
       FROM conversations`,
      [f.tenant.tenantId, f.whatsapp.id, CONVERSATIONS],
    );
    page = await f.browser.openConsole(f.tenant.agentToken, '/inbox');
  });
  afterAll(() => closeConsoleFixture(f));

  const list = () => page.getByRole('list', { name: 'Conversations' }).or(page.getByRole('listbox', { name: 'Conversations' }));
  const rows = () => list().locator('[data-conversation-id]');
  const rowNamed = (name: string) => rows().filter({ hasText: name });

  /** Scrolls the nearest scrolling ancestor of the list's rows (or the page) to its end, as a user's scrolling would. */
  function scrollListToEnd(): Promise<void> {
    return rows()
      .last()
      .evaluate((row: unknown) => {
        // Runs in the page; the server's tsconfig has no DOM types, hence the narrow shapes.
        interface Box {
          parentElement: Box | null;
          scrollTop: number;
          scrollHeight: number;
          clientHeight: number;
        }
        const page = globalThis as unknown as { getComputedStyle(el: Box): { overflowY: string }; document: { scrollingElement: Box | null; documentElement: Box } };
        for (let el = (row as Box).parentElement; el; el = el.parentElement) {
          const overflow = page.getComputedStyle(el).overflowY;
          if ((overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight) {
            el.scrollTop = el.scrollHeight;
            return;
          }
        }
        const doc = page.document.scrollingElement ?? page.document.documentElement;
        doc.scrollTop = doc.scrollHeight;
      });
  }

  it('renders only the rows in view', async () => {
    await rowNamed(customer(1)).waitFor();
    expect(await rows().count()).toBeGreaterThan(5);
    expect(await rows().count()).toBeLessThan(MAX_ROWS_IN_DOM);
  });

  it('scrolling down loads the next pages until the 500th conversation, still with few rows in the DOM', async () => {
    let maxRows = 0;
    await eventually(
      async () => {
        await scrollListToEnd();
        maxRows = Math.max(maxRows, await rows().count());
        expect(await rowNamed(customer(CONVERSATIONS)).count()).toBe(1);
      },
      40_000,
      250,
    );
    const last = rowNamed(customer(CONVERSATIONS));
    await last.scrollIntoViewIfNeeded();
    expect(await last.isVisible()).toBe(true);
    // The newest rows left the DOM as they scrolled out of view: the list is virtualized, not merely paged.
    expect(await rowNamed(customer(1)).count()).toBe(0);
    expect(maxRows).toBeLessThan(MAX_ROWS_IN_DOM);
    expect(await rows().count()).toBeLessThan(MAX_ROWS_IN_DOM);
  });

  it('threw no uncaught errors in the page', () => {
    expect(f.browser.pageErrors).toEqual([]);
  });
});
