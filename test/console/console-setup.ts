import type { Page } from 'playwright-core';
import { startBrowser, type ConsoleBrowser } from '../support/browser';
import { createProvider, type CreatedProvider } from '../support/messaging';
import { waitFor } from '../support/spawn';
import { startTestApp, type TestApp, type TestTenant } from '../support/test-app';

/** Sandbox providers answer at once and file their status webhooks this long apart: `read` about 300 ms after a send. */
const STATUS_DELAY_MS = '100';

export const SANDBOX_WHATSAPP = {
  name: 'Sandbox WhatsApp',
  kind: 'whatsapp-bsp',
  vendor: 'sandbox',
  phoneNumber: '+31612340000',
  credentials: { statusDelayMs: STATUS_DELAY_MS },
};
export const SANDBOX_SMS = { name: 'Sandbox SMS', kind: 'sms', vendor: 'sandbox', phoneNumber: '+3197000000001', credentials: { statusDelayMs: STATUS_DELAY_MS } };

export interface ConsoleFixture {
  t: TestApp;
  tenant: TestTenant;
  browser: ConsoleBrowser;
  whatsapp: CreatedProvider;
  sms: CreatedProvider;
}

/** One Parley (sandbox on) with a tenant owning a sandbox WhatsApp and a sandbox SMS provider, and one Chromium. */
export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const t = await startTestApp({ env: { SANDBOX_ENABLED: 'true' } });
  const tenant = await t.createTenant('Console tenant');
  const whatsapp = await createProvider(t, tenant, SANDBOX_WHATSAPP);
  const sms = await createProvider(t, tenant, SANDBOX_SMS);
  const browser = await startBrowser(t.baseUrl);
  return { t, tenant, browser, whatsapp, sms };
}

export async function closeConsoleFixture(f: ConsoleFixture | undefined): Promise<void> {
  await f?.browser.close();
  await f?.t.close();
}

/** A customer message through the sandbox's simulation route (the real webhook pipeline); resolves once it is stored. */
export async function simulateInbound(f: ConsoleFixture, provider: CreatedProvider, from: string, text: string): Promise<void> {
  const res = await f.t.http().post(`/api/v1/sandbox/providers/${provider.id}/inbound`).set('Authorization', f.tenant.auth()).send({ from, text });
  if (res.status !== 202) throw new Error(`simulated inbound refused: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface ApiMessage {
  id: string;
  providerId: string;
  direction: 'inbound' | 'outbound';
  status: string;
  type: string;
  text: string | null;
  template: { name: string; language: string; parameters: string[] | Record<string, string> } | null;
}

/** The conversation of a contact on a channel, once it exists. */
export function conversationOf(f: ConsoleFixture, contactId: string, channel: 'whatsapp' | 'sms'): Promise<{ id: string }> {
  return waitFor(async () => {
    const res = await f.t.http().get('/api/v1/conversations').query({ contactId, channel }).set('Authorization', f.tenant.auth());
    return (res.body.items as { id: string }[])[0];
  }, 10_000);
}

/** All messages of a conversation, newest first (the tests' conversations stay within one page). */
export async function messagesOf(f: ConsoleFixture, conversationId: string): Promise<ApiMessage[]> {
  const res = await f.t.http().get(`/api/v1/conversations/${conversationId}/messages`).query({ limit: 200 }).set('Authorization', f.tenant.auth());
  if (res.status !== 200) throw new Error(`messages not listed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items as ApiMessage[];
}

/** The contact's id, after creating it through the agent API. */
export async function createNamedContact(f: ConsoleFixture, phoneNumber: string, name: string): Promise<string> {
  const res = await f.t.http().post('/api/v1/contacts').set('Authorization', f.tenant.auth()).send({ phoneNumber, name });
  if (res.status !== 201) throw new Error(`contact not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** What page functions below touch in the browser: the server's tsconfig has no DOM types. */
interface PageGlobals {
  parleyTestMark?: boolean;
  document: { scrollingElement: { scrollWidth: number } | null; documentElement: { scrollWidth: number } };
}

/** A flag on the page's window that a reload would erase: proves that what a test saw arrived live. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as PageGlobals).parleyTestMark = true));
}

export async function wasReloaded(page: Page): Promise<boolean> {
  return !(await page.evaluate(() => (globalThis as unknown as PageGlobals).parleyTestMark === true));
}

/** The document's width: more than the viewport's means a phone would scroll sideways. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    return (document.scrollingElement ?? document.documentElement).scrollWidth;
  });
}
