import type { ChannelProvider } from '../../providers/channel-provider.entity';
import type { Channel } from '../../providers/provider-kind';
import type { Contact } from '../contact.entity';
import type { MessageMedia, MessageTemplate, Priority } from '../message.entity';

export type SendContent =
  | { type: 'text'; text: string }
  | { type: 'template'; template: MessageTemplate }
  | { type: 'media'; media: MessageMedia };

/** What a send is about, as the gates see it. */
export interface SendContext {
  tenantId: string;
  contact: Contact;
  /** The contact is not stored yet (a send to a new number): the writer stores it with the message, once accepted. */
  contactIsNew?: boolean;
  channel: Channel;
  content: SendContent;
  priority: Priority;
  /**
   * Providers the message may go through, in the order to try them. Gates narrow it (e.g. to providers
   * whose session window is open, or that hold the approved template); a gate that empties it refuses.
   */
  candidates: ChannelProvider[];
  /** Set by the template gate: the text the customer will see. */
  renderedText?: string;
  /** Set by the template gate: the vendor's template id, where a vendor sends by id. */
  vendorTemplateId?: string;
  /** Acknowledgements of a keyword (STOP/START) are sent whatever the consent state, once. */
  bypassConsent?: boolean;
  /** Set by the opt-out gate, so the opt-in gate reads the ledger once. */
  consentState?: 'opted_in' | 'opted_out' | 'unknown';
  now: Date;
}

/**
 * One check of the send path. Gates run in the contract's order of refusals, before a message is queued;
 * the first that throws (a DomainError with the refusal's code) is the answer and nothing is queued.
 */
export interface SendGate {
  readonly name: string;
  check(context: SendContext): Promise<void>;
}

export function isFreeForm(content: SendContent): boolean {
  return content.type !== 'template';
}
