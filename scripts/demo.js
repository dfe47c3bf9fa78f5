#!/usr/bin/env node
// @ts-check
// `npm run demo`: a guided tour of a running Parley on the built-in sandbox vendor. Run it beside the server
// (same checkout, same DATABASE_URL: the tenant comes from the CLI, as in the README) after `npm start`.
// Each step prints what it does, the curl command that does the same, and what came back; tokens are
// printed shortened. Exit 0 when every step behaved as described, 1 otherwise (with the step that did not).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const PARLEY = (process.env.PARLEY_URL || 'http://localhost:3000').replace(/\/+$/, '');
/** How long a step waits for something asynchronous (a webhook filed, a status arriving). */
const WAIT_MS = Number(process.env.DEMO_WAIT_MS || 30_000);
const CUSTOMER = '+31612345678';

class StepFailed extends Error {}

const out = (/** @type {string} */ line = '') => process.stdout.write(`${line}\n`);
/** A token as printed: enough to tell tokens apart, not enough to use one. */
const shorten = (/** @type {string} */ token) => `${token.slice(0, 12)}…${token.slice(-4)}`;
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

let stepNo = 0;
function step(/** @type {string} */ title) {
  out();
  out(`── ${++stepNo}. ${title}`);
}

/** Prints the curl equivalent of a request; `$ADMIN`/`$AGENT` stand for the tokens. */
function showCurl(/** @type {string} */ method, /** @type {string} */ path, /** @type {string} */ role, /** @type {unknown} */ body, /** @type {Record<string,string>} */ headers = {}) {
  const parts = [`curl -s${method === 'GET' ? '' : ` -X ${method}`} "$PARLEY${path}" -H "Authorization: Bearer $${role.toUpperCase()}"`];
  for (const [name, value] of Object.entries(headers)) parts.push(`-H '${name}: ${value}'`);
  if (body !== undefined) parts.push(`-H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`);
  out(`   $ ${parts.join(' ')}`);
}

/** @typedef {{ status: number, body: any }} Answer */

/** @returns {Promise<Answer>} */
async function call(/** @type {string} */ method, /** @type {string} */ path, /** @type {string} */ token, /** @type {unknown} */ body, /** @type {Record<string,string>} */ headers = {}) {
  let res;
  try {
    res = await fetch(`${PARLEY}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new StepFailed(`${method} ${PARLEY}${path} failed: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** A request the tour expects to answer `expected`; prints its curl first. */
async function request(/** @type {string} */ method, /** @type {string} */ path, /** @type {{role: string, token: string}} */ who, /** @type {unknown} */ body, /** @type {number} */ expected, /** @type {Record<string,string>} */ headers = {}) {
  showCurl(method, path, who.role, body, headers);
  const answer = await call(method, path, who.token, body, headers);
  if (answer.status !== expected) throw new StepFailed(`expected ${expected}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls until `check` answers something, or fails the step after WAIT_MS. */
async function until(/** @type {string} */ what, /** @type {() => Promise<any>} */ check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new StepFailed(`gave up waiting for ${what} after ${WAIT_MS / 1000} s`);
    await sleep(250);
  }
}

/** Runs the repository's CLI (as the README does) and answers the one JSON document it prints. */
function cli(/** @type {string[]} */ args) {
  out(`   $ npm run --silent cli -- ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`);
  const run = spawnSync(process.execPath, [join(__dirname, 'cli.js'), ...args], { encoding: 'utf8', env: process.env });
  if (run.status !== 0) throw new StepFailed(`the CLI exited with ${run.status}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Follows a message's status until one of `final`, printing each new status as it arrives. */
async function followStatus(/** @type {string} */ id, /** @type {{role: string, token: string}} */ who, /** @type {string[]} */ final) {
  showCurl('GET', `/api/v1/messages/${id}`, who.role, undefined);
  /** @type {string[]} */
  const seen = [];
  const started = Date.now();
  const message = await until(`message ${id} to reach ${final.join('/')}`, async () => {
    const { status, body } = await call('GET', `/api/v1/messages/${id}`, who.token, undefined);
    if (status !== 200) throw new StepFailed(`GET /api/v1/messages/${id} answered ${status}: ${JSON.stringify(body)}`);
    if (seen[seen.length - 1] !== body.status) {
      seen.push(body.status);
      out(`   status: ${body.status} (+${Date.now() - started} ms)`);
    }
    if (body.status === 'failed') throw new StepFailed(`message ${id} failed: ${body.errorCode} ${body.errorMessage ?? ''}`);
    return final.includes(body.status) ? body : undefined;
  });
  return message;
}

async function main() {
  out(`Parley demo against ${PARLEY} (set PARLEY_URL to point elsewhere).`);
  out('Every step prints the curl command that does the same; PARLEY, ADMIN and AGENT are shell variables.');

  step('Parley is up');
  out(`   $ curl -s "$PARLEY/health/ready"`);
  const health = await call('GET', '/health/ready', '', undefined).catch((e) => {
    throw new StepFailed(`${e instanceof Error ? e.message : String(e)}\n   Start Parley first (README, Quick start: npm ci && npm start), or set PARLEY_URL.`);
  });
  if (health.status !== 200) throw new StepFailed(`/health/ready answered ${health.status}: ${JSON.stringify(health.body)}`);
  out(`   ${JSON.stringify(health.body)}`);

  step('A tenant, its admin token and an agent token (CLI, beside the server)');
  const created = cli(['tenant:create', '--name', `Demo ${new Date().toISOString().slice(0, 19)}Z`]);
  const tenantId = created.tenant.id;
  const admin = { role: 'admin', token: created.adminToken };
  out(`   tenant ${tenantId} "${created.tenant.name}", ADMIN=${shorten(admin.token)}`);
  const agentToken = cli(['token:create', '--tenant', tenantId, '--role', 'agent', '--sub', 'demo-agent']).token;
  const agent = { role: 'agent', token: agentToken };
  out(`   AGENT=${shorten(agent.token)}`);
  const me = await request('GET', '/api/v1/me', agent, undefined, 200);
  out(`   ${JSON.stringify(me)}`);

  step('Sandbox providers: one WhatsApp, one SMS (no vendor account needed)');
  const wa = await request('POST', '/api/v1/admin/providers', admin, { name: 'Sandbox WhatsApp', kind: 'whatsapp-bsp', vendor: 'sandbox', phoneNumber: '+31612340000', credentials: {} }, 201);
  out(`   WhatsApp provider ${wa.id}, webhooks at ${wa.webhookUrl}`);
  const sms = await request('POST', '/api/v1/admin/providers', admin, { name: 'Sandbox SMS', kind: 'sms', vendor: 'sandbox', phoneNumber: '+3197010203040', credentials: {} }, 201);
  out(`   SMS provider ${sms.id}`);

  step(`A customer (${CUSTOMER}) writes on WhatsApp (simulated, through the signed webhook pipeline)`);
  const inbound = await request('POST', `/api/v1/sandbox/providers/${wa.id}/inbound`, admin, { from: CUSTOMER, text: 'Hi, where is my order?', profileName: 'Sanne' }, 202);
  out(`   accepted as ${inbound.vendorMessageId}; waiting for it to be filed…`);
  const contactPath = `/api/v1/contacts?phoneNumber=${encodeURIComponent(CUSTOMER)}`;
  showCurl('GET', contactPath, 'agent', undefined);
  const contact = await until('the customer’s contact', async () => (await call('GET', contactPath, agent.token, undefined)).body?.items?.[0]);
  out(`   contact ${contact.id} "${contact.name ?? ''}", WhatsApp window open until ${contact.sessionWindow?.whatsapp?.expiresAt}`);

  step('The agent replies inside the 24-hour window, and the statuses arrive');
  const reply = await request('POST', '/api/v1/messages', agent, { contactId: contact.id, channel: 'whatsapp', text: 'Hi Sanne, your order ships today.' }, 202);
  out(`   message ${reply.id}: ${reply.status}${reply.sentBy ? `, sent by ${reply.sentBy}` : ''}`);
  await followStatus(reply.id, agent, ['read']);

  step('A template, approved by the sandbox a moment after submission');
  const template = await request(
    'POST',
    '/api/v1/admin/templates',
    admin,
    { providerId: wa.id, name: 'order_update', language: 'en_US', category: 'UTILITY', body: 'Hi {{1}}, your order {{2}} has shipped.' },
    201,
  );
  out(`   template ${template.name}: ${template.status}`);
  const approvedPath = `/api/v1/templates?status=approved&providerId=${wa.id}`;
  showCurl('GET', approvedPath, 'agent', undefined);
  await until('the template’s approval', async () => (await call('GET', approvedPath, agent.token, undefined)).body?.items?.some((/** @type {{name: string}} */ t) => t.name === 'order_update'));
  out('   order_update: approved');

  step('Recorded consent, then the business-initiated template send');
  const consent = await request('POST', `/api/v1/contacts/${contact.id}/consent`, agent, { channel: 'whatsapp', status: 'opted_in', evidence: 'Ticked the WhatsApp updates box at checkout (order A-1042)' }, 201);
  out(`   consent: whatsapp ${consent.status}`);
  const templated = await request(
    'POST',
    '/api/v1/messages',
    agent,
    { contactId: contact.id, channel: 'whatsapp', template: { name: 'order_update', language: 'en_US', parameters: ['Sanne', 'A-1042'] } },
    202,
    { 'Idempotency-Key': `demo-${tenantId}-order-1042` },
  );
  out(`   message ${templated.id}: "${templated.text}"`);
  await followStatus(templated.id, agent, ['delivered', 'read']);

  step('The customer answers STOP by SMS');
  await request('POST', `/api/v1/sandbox/providers/${sms.id}/inbound`, admin, { from: CUSTOMER, text: 'STOP' }, 202);
  const contactById = `/api/v1/contacts/${contact.id}`;
  showCurl('GET', contactById, 'agent', undefined);
  await until('the opt-out', async () => (await call('GET', contactById, agent.token, undefined)).body?.consent?.sms === 'opted_out');
  out('   consent: sms opted_out (recorded from the keyword; Parley acknowledged it to the customer)');

  step('The next SMS is refused before any vendor is called');
  showCurl('POST', '/api/v1/messages', 'agent', { contactId: contact.id, channel: 'sms', text: 'Last chance: 20% off everything' });
  const refused = await call('POST', '/api/v1/messages', agent.token, { contactId: contact.id, channel: 'sms', text: 'Last chance: 20% off everything' });
  if (refused.status !== 422 || refused.body?.error?.code !== 'optedOut') throw new StepFailed(`expected 422 optedOut, got ${refused.status}: ${JSON.stringify(refused.body)}`);
  out(`   ${refused.status} ${JSON.stringify(refused.body)}`);

  out();
  out(`Done: tenant ${tenantId}. Open ${PARLEY}/docs for the whole API, ${PARLEY}/metrics for what this run counted.`);
}

main().then(
  () => process.exit(0),
  (e) => {
    out();
    if (e instanceof StepFailed) out(`✗ step ${stepNo} did not go as described: ${e.message}`);
    else out(`✗ ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
