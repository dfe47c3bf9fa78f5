import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Parley } from './parley';

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 180;
const CONVERSATIONS = 10_000;

export interface SeededInbox {
  conversations: number;
  messages: number;
  /** The conversation with a tenth of all messages (the deep-page case). */
  bigConversationId: string;
  bigConversationMessages: number;
  seconds: number;
}

/** Deterministic, so two runs seed the same shapes. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** Streams rows (already tab-separated COPY text lines) into a table in chunks. */
async function copy(client: PoolClient, table: string, columns: string[], rows: Iterable<string>): Promise<void> {
  function* chunks(): Generator<string> {
    let chunk: string[] = [];
    for (const row of rows) {
      chunk.push(row);
      if (chunk.length === 2000) {
        yield `${chunk.join('\n')}\n`;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
}

interface SeedConversation {
  id: string;
  contactId: string;
  channel: 'whatsapp' | 'sms';
  providerId: string;
  messages: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Fills Parley's database with an inbox of `totalMessages` messages: a tenth in one long conversation,
 * the rest spread evenly over 10,000 contacts (one conversation each, 4 in 5 on WhatsApp), every message
 * at a random time within its conversation's span, the spans ending anywhere in the last 180 days.
 * Inbound messages are `received`, outbound ones `delivered` or `read`, each with a vendor id.
 *
 * Streamed with COPY FROM STDIN. Foreign-key triggers are off for the seeding session
 * (session_replication_role = replica): the rows are consistent by construction, and checking a million
 * references one by one would take most of the time budget. The tables are VACUUM ANALYZEd afterwards, as
 * autovacuum would have done to a database that grew over months.
 */
export async function seedInbox(
  parley: Parley,
  providers: { whatsapp: string; sms: string },
  totalMessages: number,
): Promise<SeededInbox> {
  const started = performance.now();
  const random = mulberry32(20251121);
  const now = Date.now();
  const tenant = parley.tenantId;

  const bigMessages = Math.floor(totalMessages / 10);
  const perConversation = Math.max(1, Math.floor((totalMessages - bigMessages) / CONVERSATIONS));
  const conversations: SeedConversation[] = [];
  for (let i = 0; i <= CONVERSATIONS; i += 1) {
    const big = i === CONVERSATIONS;
    const channel = big || random() < 0.8 ? 'whatsapp' : 'sms';
    const lastAt = big ? now - 60_000 : now - random() * HISTORY_DAYS * DAY_MS;
    conversations.push({
      id: randomUUID(),
      contactId: randomUUID(),
      channel,
      providerId: providers[channel],
      messages: big ? bigMessages : perConversation,
      firstAt: big ? lastAt - HISTORY_DAYS * DAY_MS : lastAt - random() * 30 * DAY_MS,
      lastAt,
    });
  }
  const big = conversations[CONVERSATIONS];

  const client = await parley.db.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await copy(
      client,
      'contact',
      ['id', 'tenant_id', 'phone_number', 'name', 'created_at', 'updated_at'],
      conversations.map((c, i) => [c.contactId, tenant, `+3163${String(i).padStart(7, '0')}`, `Contact ${i}`, iso(c.firstAt), iso(c.firstAt)].join('\t')),
    );
    await copy(
      client,
      'conversation',
      ['id', 'tenant_id', 'contact_id', 'channel', 'provider_id', 'last_inbound_at', 'last_message_at', 'created_at'],
      conversations.map((c) => [c.id, tenant, c.contactId, c.channel, c.providerId, iso(c.lastAt), iso(c.lastAt), iso(c.firstAt)].join('\t')),
    );
    let vendorSequence = 0;
    function* messages(): Generator<string> {
      for (const c of conversations) {
        for (let m = 0; m < c.messages; m += 1) {
          // The newest message sits exactly at the conversation's last_message_at.
          const at = m === 0 ? c.lastAt : c.firstAt + random() * (c.lastAt - c.firstAt);
          const inbound = random() < 0.5;
          vendorSequence += 1;
          const vendorId = c.channel === 'whatsapp' ? `wamid.seed${vendorSequence}` : `SM${vendorSequence.toString(16).padStart(32, '0')}`;
          const status = inbound ? 'received' : random() < 0.5 ? 'delivered' : 'read';
          const sentAt = inbound ? '\\N' : iso(at + 1000);
          const deliveredAt = inbound ? '\\N' : iso(at + 3000);
          yield [
            randomUUID(), tenant, c.id, c.contactId, c.providerId, c.channel,
            inbound ? 'inbound' : 'outbound', status, 'text',
            inbound ? `Hi, is order ${vendorSequence % 100000} on its way?` : `Your order ${vendorSequence % 100000} arrives tomorrow.`,
            vendorId, iso(at), iso(at), sentAt, deliveredAt,
          ].join('\t');
        }
      }
    }
    await copy(
      client,
      'message',
      ['id', 'tenant_id', 'conversation_id', 'contact_id', 'provider_id', 'channel', 'direction', 'status', 'type', 'text',
        'vendor_message_id', 'created_at', 'updated_at', 'sent_at', 'delivered_at'],
      messages(),
    );
    await client.query(`SET session_replication_role = DEFAULT`);
    await client.query(`VACUUM ANALYZE contact`);
    await client.query(`VACUUM ANALYZE conversation`);
    await client.query(`VACUUM ANALYZE message`);
  } finally {
    client.release();
  }
  return {
    conversations: conversations.length,
    messages: bigMessages + perConversation * CONVERSATIONS,
    bigConversationId: big.id,
    bigConversationMessages: bigMessages,
    seconds: (performance.now() - started) / 1000,
  };
}
