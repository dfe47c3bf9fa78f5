import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ContactsService } from '../contacts.service';
import { ConversationsService } from '../conversations.service';
import { Message } from '../message.entity';
import { OutboundQueue } from './outbound-queue';
import type { SendContext } from './send-gate';
import { countSmsSegments } from './sms-segments';
import { splitText } from './split-text';
import { timeOrderedId } from '../../../common/ids/time-ordered-id';

export interface OutboundOptions {
  idempotencyKey?: string;
  requestHash?: string;
  fallbackForMessageId?: string;
  providerPinned?: boolean;
}

/**
 * Turns a send that passed its gates into queued messages: one per part of a long WhatsApp text, in the
 * conversation of the first candidate provider, committed before anything is enqueued. Only the first part
 * is enqueued; each part enqueues the next once sent, so parts arrive in order.
 */
@Injectable()
export class OutboundWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly contacts: ContactsService,
    private readonly conversations: ConversationsService,
    private readonly queue: OutboundQueue,
  ) {}

  async write(context: SendContext, options: OutboundOptions = {}): Promise<Message[]> {
    const provider = context.candidates[0];
    const { content } = context;
    const texts =
      content.type === 'text' && context.channel === 'whatsapp' ? splitText(content.text) : [textOf(context)];
    const ids = texts.map(() => timeOrderedId());
    // Parts of a long text share the first part's id as their group.
    const groupId = texts.length > 1 ? ids[0] : null;
    const messages = await this.dataSource.transaction(async (manager) => {
      if (context.contactIsNew) {
        // Concurrent first sends to one number meet on the unique (tenant, phone) index and share one row.
        context.contact = await this.contacts.findOrCreate(context.tenantId, context.contact.phoneNumber, undefined, manager);
        context.contactIsNew = false;
      }
      const conversation = await this.conversations.findOrOpen(manager, {
        tenantId: context.tenantId,
        contactId: context.contact.id,
        channel: context.channel,
        providerId: provider.id,
      });
      const repository = manager.getRepository(Message);
      const rows: Message[] = [];
      for (const [index, text] of texts.entries()) {
        const row = repository.create({
          id: ids[index],
          tenantId: context.tenantId,
          conversationId: conversation.id,
          contactId: context.contact.id,
          providerId: provider.id,
          channel: context.channel,
          direction: 'outbound',
          status: 'queued',
          type: content.type,
          priority: context.priority,
          providerPinned: options.providerPinned ?? false,
          consentExempt: context.bypassConsent ?? false,
          text,
          template: content.type === 'template' ? { ...content.template, vendorTemplateId: context.vendorTemplateId } : null,
          media: content.type === 'media' ? content.media : null,
          payload: null,
          idempotencyKey: index === 0 ? (options.idempotencyKey ?? null) : null,
          requestHash: index === 0 ? (options.requestHash ?? null) : null,
          splitGroupId: groupId,
          partIndex: groupId ? index : null,
          partCount: groupId ? texts.length : null,
          fallbackForMessageId: options.fallbackForMessageId ?? null,
          segments: context.channel === 'sms' && text ? countSmsSegments(text).segments : null,
          attempts: 0,
          queuedAt: context.now,
        });
        rows.push(await repository.save(row));
      }
      await manager.query('UPDATE conversation SET last_message_at = now() WHERE id = $1', [conversation.id]);
      return rows;
    });
    await this.queue.enqueue(messages[0]);
    return messages;
  }
}

/** What the stored message shows: the body, the caption, or the rendered template. */
function textOf(context: SendContext): string | null {
  const { content } = context;
  if (content.type === 'text') return content.text;
  if (content.type === 'media') return content.media.caption ?? null;
  return context.renderedText ?? null;
}
