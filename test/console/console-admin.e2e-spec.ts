import type { Page } from 'playwright-core';
import { eventually, PHONE, saveScreenshot } from '../support/browser';
import { waitFor } from '../support/spawn';
import { closeConsoleFixture, conversationOf, createNamedContact, scrollWidth, simulateInbound, startConsoleFixture, type ConsoleFixture } from './console-setup';

interface WebhookEventView {
  id: string;
  status: string;
}

describe('console admin area (admin, in Chromium)', () => {
  jest.setTimeout(60_000);
  let f: ConsoleFixture;
  let page: Page;

  beforeAll(async () => {
    f = await startConsoleFixture();
  });
  afterAll(() => closeConsoleFixture(f));

  async function createBudget(body: Record<string, unknown>): Promise<string> {
    const res = await f.t.http().post('/api/v1/admin/budgets').set('Authorization', f.tenant.auth('admin')).send(body);
    if (res.status !== 201) throw new Error(`budget not created: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  const valuesOf = async (bar: ReturnType<Page['getByRole']>) => ({
    now: Number(await bar.getAttribute('aria-valuenow')),
    max: Number(await bar.getAttribute('aria-valuemax')),
  });

  it('budgets show how much of each cap is used, as progress bars with their values', async () => {
    const nearThreshold = await createBudget({ providerId: f.whatsapp.id, period: 'monthly', maxMessages: 100, hardStop: true, alertThresholdPct: 80 });
    const costOnly = await createBudget({ providerId: f.sms.id, period: 'daily', maxCostEur: '50', hardStop: false });
    // Counters as sends would have left them: 85 of 100 messages (past the 80 % alert), 12.50 of 50 EUR.
    await f.t.dataSource.query(`UPDATE message_send_budget SET current_period_messages = 85 WHERE id = $1`, [nearThreshold]);
    await f.t.dataSource.query(`UPDATE message_send_budget SET current_period_cost_eur = 12.5 WHERE id = $1`, [costOnly]);

    page = await f.browser.openConsole(f.tenant.adminToken, '/admin/budgets');
    await page.getByRole('heading', { name: 'Budgets' }).waitFor();
    await page.getByRole('button', { name: 'New budget' }).waitFor();

    const messagesUsed = page.getByRole('progressbar', { name: 'Messages used' });
    const costUsed = page.getByRole('progressbar', { name: 'Cost used' });
    await messagesUsed.first().waitFor();
    await costUsed.first().waitFor();
    // One cap each: the message budget has no cost bar and the cost budget no message bar.
    expect(await messagesUsed.count()).toBe(1);
    expect(await costUsed.count()).toBe(1);
    expect(await valuesOf(messagesUsed)).toEqual({ now: 85, max: 100 });
    expect(await valuesOf(costUsed)).toEqual({ now: 12.5, max: 50 });

    await page.mouse.move(0, 0);
    await saveScreenshot(page, 'admin-budgets');
  });

  it('providers: the webhook URL to copy, a connection test, and the sandbox simulation', async () => {
    await page.getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('heading', { name: 'Providers' }).waitFor();
    await page.getByRole('button', { name: 'New provider' }).waitFor();
    // Each provider's webhook URL, in a read-only field beside its Copy button (selectable on plain-http LANs too).
    const urls = page.getByRole('textbox', { name: /Webhook URL/ });
    await eventually(async () => expect(await urls.count()).toBe(2));
    expect(await Promise.all((await urls.all()).map((u) => u.inputValue()))).toEqual(expect.arrayContaining([f.whatsapp.webhookUrl, f.sms.webhookUrl]));
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(2);

    const tests = page.getByRole('button', { name: 'Test connection' });
    expect(await tests.count()).toBe(2);
    await tests.first().click();
    // The sandbox always answers: the result is a success in words, and no error is shown.
    await eventually(async () => expect(await page.getByRole('status').filter({ hasText: /\bok\b|works|succeeded|successful/i }).count()).toBeGreaterThan(0));
    expect(await page.getByRole('alert').count()).toBe(0);

    const simulateForm = page.getByRole('form', { name: 'Simulate customer message' }).first();
    await simulateForm.getByLabel('From', { exact: true }).fill('+31655550333');
    await simulateForm.getByLabel('Text', { exact: true }).fill('Bericht uit de simulator');
    await simulateForm.getByRole('button', { name: 'Simulate' }).click();
    const contact = await waitFor(async () => {
      const res = await f.t.http().get('/api/v1/contacts').query({ phoneNumber: '+31655550333' }).set('Authorization', f.tenant.auth());
      return (res.body.items as { id: string }[])[0];
    }, 10_000);
    // Filed through the real webhook pipeline: the customer's message is in a conversation like any other.
    await waitFor(async () => {
      const res = await f.t.http().get('/api/v1/conversations').query({ contactId: contact.id }).set('Authorization', f.tenant.auth());
      return (res.body.items as { lastMessage: { text: string } | null }[]).some((c) => c.lastMessage?.text === 'Bericht uit de simulator');
    }, 10_000);
  });

  it('webhook events: lists the stored deliveries by status and replays a dead one', async () => {
    await simulateInbound(f, f.sms, '+31655550555', 'Een webhook om terug te spelen');
    const listed = await waitFor(async () => {
      const res = await f.t.http().get('/api/v1/admin/webhook-events').set('Authorization', f.tenant.auth('admin'));
      return (res.body.items as WebhookEventView[]).length > 0 ? (res.body.items as WebhookEventView[]) : undefined;
    }, 10_000);
    const dead = listed[0];
    await f.t.dataSource.query(`UPDATE webhook_event SET status = 'dead', last_error = 'simulated: the processor gave up' WHERE id = $1`, [dead.id]);

    await page.getByRole('link', { name: 'Webhook events' }).click();
    await page.getByRole('heading', { name: 'Webhook events' }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('dead');
    const replay = page.getByRole('button', { name: 'Replay' });
    await eventually(async () => expect(await replay.count()).toBe(1));
    await page.getByText('simulated: the processor gave up').waitFor();
    await replay.click();
    await waitFor(async () => {
      const res = await f.t.http().get('/api/v1/admin/webhook-events').query({ status: 'processed' }).set('Authorization', f.tenant.auth('admin'));
      return (res.body.items as WebhookEventView[]).some((e) => e.id === dead.id);
    }, 10_000);
  });

  it('at 390 × 844 the inbox and an open thread fit the screen (no sideways scrolling)', async () => {
    const contactId = await createNamedContact(f, '+31655550444', 'Fatima El Amrani-Verhoeven');
    await simulateInbound(f, f.whatsapp, '+31655550444', 'Een lang bericht zonder spaties: https://example.com/' + 'a'.repeat(120));
    const conversation = await conversationOf(f, contactId, 'whatsapp');

    const phone = await f.browser.openConsole(f.tenant.agentToken, '/inbox');
    await phone.setViewportSize(PHONE);
    await phone.locator(`[data-conversation-id="${conversation.id}"]`).waitFor();
    expect(await scrollWidth(phone)).toBeLessThanOrEqual(PHONE.width);

    await phone.goto(f.browser.consoleUrl(`/inbox/${conversation.id}`));
    await phone.getByRole('region', { name: 'Messages' }).locator('article').first().waitFor();
    await phone.getByRole('form', { name: 'Reply' }).waitFor();
    expect(await scrollWidth(phone)).toBeLessThanOrEqual(PHONE.width);
    await phone.close();
  });

  it('threw no uncaught errors in the page', () => {
    expect(f.browser.pageErrors).toEqual([]);
  });
});
