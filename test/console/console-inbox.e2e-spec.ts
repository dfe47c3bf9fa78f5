import type { Locator, Page } from 'playwright-core';
import { eventually, saveScreenshot } from '../support/browser';
import { createProvider, optIn } from '../support/messaging';
import { waitFor } from '../support/spawn';
import {
  closeConsoleFixture,
  conversationOf,
  createNamedContact,
  markPage,
  messagesOf,
  SANDBOX_WHATSAPP,
  simulateInbound,
  startConsoleFixture,
  wasReloaded,
  type ConsoleFixture,
} from './console-setup';

const SANNE = { phone: '+31655550111', name: 'Sanne de Vries' };
const TOM = { phone: '+31655550222', name: 'Tom Bakker' };
const TEMPLATE_BODY = 'Hi {{1}}, your order {{2}} has shipped.';

describe('console inbox (agent, in Chromium)', () => {
  jest.setTimeout(60_000);
  let f: ConsoleFixture;
  let page: Page;
  let sanneId: string;
  let sanneConversation: string;

  beforeAll(async () => {
    f = await startConsoleFixture();
    sanneId = await createNamedContact(f, SANNE.phone, SANNE.name);
    const template = await f.t
      .http()
      .post('/api/v1/admin/templates')
      .set('Authorization', f.tenant.auth('admin'))
      .send({ providerId: f.whatsapp.id, name: 'order_update', language: 'en', category: 'UTILITY', body: TEMPLATE_BODY });
    if (template.status !== 201) throw new Error(`template not created: ${template.status} ${JSON.stringify(template.body)}`);
    // The sandbox approves it a moment later by a signed webhook, as Meta does.
    await waitFor(async () => {
      const res = await f.t.http().get('/api/v1/templates').query({ providerId: f.whatsapp.id, status: 'approved' }).set('Authorization', f.tenant.auth());
      return (res.body.items as { name: string }[]).some((t) => t.name === 'order_update');
    }, 10_000);
  });
  afterAll(() => closeConsoleFixture(f));

  const list = () => page.getByRole('list', { name: 'Conversations' }).or(page.getByRole('listbox', { name: 'Conversations' }));
  const thread = () => page.getByRole('region', { name: 'Messages' });
  const reply = () => page.getByRole('form', { name: 'Reply' });
  const contactPanel = () => page.locator('aside[aria-label="Contact"]');
  const messagesIn = (direction: 'inbound' | 'outbound') => thread().locator(`article[data-direction="${direction}"]`);
  const rowOf = (conversationId: string) => list().locator(`[data-conversation-id="${conversationId}"]`);

  /** Send buttons of the compose form that are enabled. */
  async function enabledSendButtons(form: Locator): Promise<string[]> {
    const names: string[] = [];
    for (const button of await form.getByRole('button', { name: /^Send/ }).all()) {
      if (await button.isEnabled()) names.push((await button.textContent())?.trim() ?? '');
    }
    return names;
  }

  it('signs in with a pasted agent token and shows the inbox', async () => {
    // Its own page: the flows below start signed in through the URL fragment, whatever happens here.
    const page = await f.browser.newPage();
    await page.goto(f.browser.consoleUrl('/'));
    await page.getByLabel('Access token (JWT)', { exact: true }).fill(f.tenant.agentToken);
    // The console asks the server to accept the token (GET /api/v1/me) and signs out again if it does not.
    const accepted = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/me');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const me = await accepted;
    expect({ status: me.status(), sentToken: (await me.request().headerValue('authorization')) !== null }).toEqual({ status: 200, sentToken: true });
    // No conversation yet: the list itself is not rendered, its filters are.
    await page.getByLabel('Search contacts', { exact: true }).waitFor();
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await page.getByLabel('Channel', { exact: true }).waitFor();
    await page.getByLabel('Unread only', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Inbox' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/inbox');
    // An agent is not offered the admin area.
    expect(await page.getByRole('link', { name: 'Budgets' }).count()).toBe(0);
    // The token stays in this tab's sessionStorage only, never in the URL.
    expect(page.url()).not.toContain('token');
    await page.close();
  });

  it('a customer message arrives live in the list and in the open thread, without a reload', async () => {
    page = await f.browser.openConsole(f.tenant.agentToken, '/inbox');
    await page.getByLabel('Search contacts', { exact: true }).waitFor();
    expect(page.url()).not.toContain('token=');
    await markPage(page);
    await simulateInbound(f, f.whatsapp, SANNE.phone, 'Hallo, is mijn pakket al onderweg?');
    sanneConversation = (await conversationOf(f, sanneId, 'whatsapp')).id;

    const row = rowOf(sanneConversation);
    await row.waitFor();
    const link = row.getByRole('link').or(row.and(page.getByRole('link'))).first();
    expect(await link.getAttribute('href')).toContain(`/console/inbox/${sanneConversation}`);
    await eventually(async () => expect(await row.ariaSnapshot()).toContain(SANNE.name));
    await eventually(async () => expect(await row.ariaSnapshot()).toMatch(/1 unread/));

    await link.click();
    await page.waitForURL(`**/console/inbox/${sanneConversation}`);
    await messagesIn('inbound').filter({ hasText: 'Hallo, is mijn pakket al onderweg?' }).waitFor();

    await simulateInbound(f, f.whatsapp, SANNE.phone, 'Het gaat om bestelling A-1042.');
    await messagesIn('inbound').filter({ hasText: 'Het gaat om bestelling A-1042.' }).waitFor();
    await eventually(async () => expect(await messagesIn('inbound').count()).toBe(2));
    expect(await wasReloaded(page)).toBe(false);
  });

  it('a free-form reply goes out and its status reaches Read in the thread', async () => {
    await reply().getByRole('tab', { name: 'WhatsApp' }).waitFor();
    expect(await reply().getByRole('tab', { name: 'WhatsApp' }).getAttribute('aria-selected')).toBe('true');
    await eventually(async () => expect(await reply().textContent()).toMatch(/Window open/));
    await reply().getByLabel('Message', { exact: true }).fill('Ja, hij wordt morgen bezorgd.');
    await reply().getByRole('button', { name: 'Send', exact: true }).click();

    const sent = messagesIn('outbound').filter({ hasText: 'Ja, hij wordt morgen bezorgd.' });
    await sent.waitFor();
    // Statuses arrive over the events stream: queued → sent → delivered → read within a second in the sandbox.
    await eventually(async () => expect(await sent.getAttribute('data-status')).toBe('read'), 15_000);
    expect(await sent.textContent()).toContain('Read');
    const messageId = await sent.getAttribute('data-message-id');
    const fromApi = (await messagesOf(f, sanneConversation)).find((m) => m.id === messageId);
    expect(fromApi).toMatchObject({ direction: 'outbound', status: 'read', text: 'Ja, hij wordt morgen bezorgd.' });
    expect(await reply().getByLabel('Message', { exact: true }).inputValue()).toBe('');
    expect(await wasReloaded(page)).toBe(false);

    await page.mouse.move(0, 0);
    await saveScreenshot(page, 'inbox');
  });

  it('outside the 24-hour window only the template picker is offered', async () => {
    const tomId = await createNamedContact(f, TOM.phone, TOM.name);
    await simulateInbound(f, f.whatsapp, TOM.phone, 'Goedemiddag');
    const tomConversation = (await conversationOf(f, tomId, 'whatsapp')).id;
    // A template outside the window is business-initiated: WhatsApp needs the opt-in the tenant requires by default.
    await optIn(f.t, f.tenant, tomId, 'whatsapp');
    // Tom last wrote 25 hours ago.
    await f.t.dataSource.query(
      `UPDATE conversation SET last_inbound_at = now() - interval '25 hours', last_message_at = now() - interval '25 hours' WHERE id = $1`,
      [tomConversation],
    );
    await f.t.dataSource.query(`UPDATE message SET created_at = now() - interval '25 hours' WHERE conversation_id = $1`, [tomConversation]);

    await page.goto(f.browser.consoleUrl(`/inbox/${tomConversation}`));
    await reply().waitFor();
    await eventually(async () => expect(await reply().textContent()).toContain('Window closed'));
    await reply().getByText('Outside the 24-hour window only an approved template can be sent.').waitFor();
    expect(await reply().getByLabel('Message', { exact: true }).count()).toBe(0);
    await reply().getByLabel('Template', { exact: true }).waitFor();

    // The template with its parameters, a preview of what the customer reads, and the send.
    await reply().getByLabel('Template', { exact: true }).selectOption({ label: 'order_update (en)' });
    await reply().getByLabel('Parameter 1', { exact: true }).fill('Tom');
    await reply().getByLabel('Parameter 2', { exact: true }).fill('A-2001');
    await eventually(async () => expect(await reply().getByRole('region', { name: 'Preview' }).textContent()).toContain('Hi Tom, your order A-2001 has shipped.'));
    await reply().getByRole('button', { name: 'Send template' }).click();

    const sent = await waitFor(async () => (await messagesOf(f, tomConversation)).find((m) => m.direction === 'outbound' && m.type === 'template'), 10_000);
    expect(sent.template).toMatchObject({ name: 'order_update', language: 'en', parameters: ['Tom', 'A-2001'] });
    await thread().locator(`article[data-message-id="${sent.id}"]`).waitFor();
    expect(await thread().locator(`article[data-message-id="${sent.id}"]`).getAttribute('data-direction')).toBe('outbound');
  });

  it('a STOP from the customer blocks sending until an opt-in with evidence is recorded', async () => {
    await page.goto(f.browser.consoleUrl(`/inbox/${sanneConversation}`));
    await reply().waitFor();
    await markPage(page);
    await simulateInbound(f, f.whatsapp, SANNE.phone, 'STOP');

    const banner = page.getByRole('alert').filter({ hasText: /opted out/i });
    await banner.waitFor();
    await eventually(async () => expect(await enabledSendButtons(reply())).toEqual([]));
    expect(await reply().getByRole('button', { name: /^Send/ }).count()).toBeGreaterThan(0);
    await eventually(async () => expect(await contactPanel().textContent()).toContain('WhatsApp: opted out'));

    const consentForm = contactPanel().getByRole('form', { name: 'Record consent' });
    await consentForm.getByLabel('Channel', { exact: true }).selectOption({ label: 'WhatsApp' });
    await consentForm.getByLabel('Status', { exact: true }).selectOption({ label: 'Opted in' });
    await consentForm.getByLabel('Evidence', { exact: true }).fill('Customer asked by phone to resume order updates');
    await consentForm.getByRole('button', { name: 'Record consent' }).click();

    await banner.waitFor({ state: 'detached' });
    await eventually(async () => expect(await contactPanel().textContent()).toContain('WhatsApp: opted in'));
    await eventually(async () => expect(await contactPanel().textContent()).toContain('Customer asked by phone to resume order updates'));
    await reply().getByLabel('Message', { exact: true }).fill('Welkom terug!');
    await eventually(async () => expect(await reply().getByRole('button', { name: 'Send', exact: true }).isEnabled()).toBe(true));
    await reply().getByLabel('Message', { exact: true }).fill('');

    const consent = await f.t.http().get(`/api/v1/contacts/${sanneId}/consent`).set('Authorization', f.tenant.auth()).expect(200);
    expect(consent.body.items[0]).toMatchObject({ channel: 'whatsapp', status: 'opted_in', evidence: 'Customer asked by phone to resume order updates' });
    expect(await wasReloaded(page)).toBe(false);
  });

  it('a double click on Send sends one message', async () => {
    const text = 'Eén keer versturen, ook bij een dubbelklik.';
    await reply().getByLabel('Message', { exact: true }).fill(text);
    await reply().getByRole('button', { name: 'Send', exact: true }).dblclick();
    const sent = messagesIn('outbound').filter({ hasText: text }).first();
    await sent.waitFor();
    // By the time the first copy is read (three status webhooks later), a second request would long have been accepted.
    await eventually(async () => expect(await sent.getAttribute('data-status')).toBe('read'), 15_000);
    const copies = (await messagesOf(f, sanneConversation)).filter((m) => m.direction === 'outbound' && m.text === text);
    expect(copies).toHaveLength(1);
    expect(await messagesIn('outbound').filter({ hasText: text }).count()).toBe(1);
  });

  it('the SMS tab counts segments as the customer’s phone will split the text', async () => {
    await reply().getByRole('tab', { name: 'SMS' }).click();
    expect(await reply().getByRole('tab', { name: 'SMS' }).getAttribute('aria-selected')).toBe('true');
    const message = reply().getByLabel('Message', { exact: true });
    const counter = async () => (await reply().textContent()) ?? '';
    await message.fill('Hallo van Parley!');
    await eventually(async () => expect(await counter()).toContain('1 segment · 17/160'));
    // Past 160 GSM-7 characters each segment carries 153 (a header joins them).
    await message.fill('a'.repeat(170));
    await eventually(async () => expect(await counter()).toContain('2 segments · 170/306'));
    // One character outside GSM-7 turns the whole text into UCS-2: 70 per segment.
    await message.fill('Goedemorgen 🙂');
    await eventually(async () => expect(await counter()).toMatch(/1 segment · \d+\/70/));
    await message.fill('');
    await reply().getByRole('tab', { name: 'WhatsApp' }).click();
  });

  it('a reply leaves from the number the customer wrote to, even when the tenant prefers another number', async () => {
    // Sends that name no provider go to the lowest priority: this second number would win them.
    const preferred = await createProvider(f.t, f.tenant, { ...SANDBOX_WHATSAPP, name: 'Sandbox WhatsApp 2', phoneNumber: '+31612349999', priority: 10 });
    const text = 'Dit antwoord komt van het nummer waar u naar schreef.';
    await reply().getByLabel('Message', { exact: true }).fill(text);
    await reply().getByRole('button', { name: 'Send', exact: true }).click();
    await messagesIn('outbound').filter({ hasText: text }).first().waitFor();
    const sent = (await messagesOf(f, sanneConversation)).filter((m) => m.direction === 'outbound' && m.text === text);
    expect(sent).toHaveLength(1);
    expect(sent[0].providerId).toBe(f.whatsapp.id);
    expect(sent[0].providerId).not.toBe(preferred.id);
  });

  it('threw no uncaught errors in the page', () => {
    expect(f.browser.pageErrors).toEqual([]);
  });
});
