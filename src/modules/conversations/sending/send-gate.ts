import type { ConsentState } from '../../consent/consent-state.service';
import type { TenantSettings } from '../../consent/tenant-settings.service';
import type { ChannelProvider } from '../../providers/channel-provider.entity';
import type { Channel } from '../../providers/provider-kind';
import type { ParameterFormat, Placeholders } from '../../templates/message-template.entity';
import type { InteractiveContent, OutboundLocation, TemplateComponent } from '../../providers/adapters/channel-adapter';
import type { MessageMedia, MessageTemplate, Priority } from '../message.entity';

/** A reaction as the API takes it: the reacted-to message by Parley's id; `""` removes the reaction. */
export interface SendReaction {
  messageId: string;
  emoji: string;
}

export type SendContent = (
  | { type: 'text'; text: string }
  | { type: 'template'; template: MessageTemplate }
  | { type: 'media'; media: MessageMedia }
  | { type: 'interactive'; interactive: InteractiveContent }
  | { type: 'location'; location: OutboundLocation }
  | { type: 'reaction'; reaction: SendReaction }
) & {
  /** Quote this earlier message of the conversation (Parley's id). Never with a reaction. */
  replyToMessageId?: string;
};

/** The message a reaction or a reply points at, if any (Parley's id). */
export function referencedMessageId(content: SendContent): string | undefined {
  return content.type === 'reaction' ? content.reaction.messageId : content.replyToMessageId;
}

/** A message a send quotes or reacts to, read with the send's facts (only the recipient's, on the channel). */
export interface ReferencedMessage {
  id: string;
  /** The provider (and so the conversation) it went through: vendor ids mean something there only. */
  providerId: string;
  /** Null while an outbound message has not reached the vendor yet. */
  vendorMessageId: string | null;
}

/** The recipient of a send: a stored contact, or a new number (stored with the message, once accepted). */
export interface SendRecipient {
  /** Null for a number Parley has no contact for yet. */
  id: string | null;
  /** E.164; null for a WhatsApp contact known by its user id only (a username). */
  phoneNumber: string | null;
  /** IANA zone for quiet hours; null uses the tenant's. */
  timezone: string | null;
}

/** What a send is about, as the gates see it. */
export interface SendContext {
  tenantId: string;
  contact: SendRecipient;
  channel: Channel;
  content: SendContent;
  priority: Priority;
  /**
   * Providers the message may go through, in the order to try them. Gates narrow it (e.g. to providers
   * whose session window is open, or that hold the approved template); a gate that empties it refuses.
   */
  candidates: ChannelProvider[];
  /** The tenant's settings (cached). */
  settings: Readonly<TenantSettings>;
  /** Set by the template gate: the text the customer will see. */
  renderedText?: string;
  /** Set by the template gate: the vendor's template id, where a vendor sends by id. */
  vendorTemplateId?: string;
  /** Set by the template gate: the template's category (what it bills as). */
  templateCategory?: string;
  /** Acknowledgements of a keyword (STOP/START) are sent whatever the consent state, once. */
  bypassConsent?: boolean;
  now: Date;
}

/** A template of the requested name and language on one candidate provider. */
export interface TemplateFact {
  providerId: string;
  /** Upper case, as the vendor says (APPROVED, PENDING, …). */
  status: string;
  parameterFormat: ParameterFormat;
  placeholders: Placeholders;
  components: TemplateComponent[];
  vendorTemplateId: string | null;
  /** UTILITY, MARKETING, AUTHENTICATION: what a send bills as. */
  category: string;
}

/**
 * What the gates need from the database, read in one statement before they run (SendFactsLoader). Gates are
 * pure functions of the context and these facts; a new gate that needs more adds a source to the loader.
 */
export interface SendFacts {
  /** The newest consent record's state for the contact on the channel. */
  consent: ConsentState;
  /** WhatsApp template sends only: the newest marketing-scope record's state (WhatsApp's marketing stop/resume). */
  marketingConsent?: ConsentState;
  /** The contact's conversations on the channel: when the customer last wrote, by provider id. */
  lastInboundAt: Map<string, Date | null>;
  /** Templates matching the send's name and language on the candidates (template sends only; not deleted). */
  templates: TemplateFact[];
  /**
   * Template sends through candidates with a messaging tier limit only: each such provider's unique template
   * recipients in the rolling last 24 h, and whether this recipient is one of them (by provider id).
   */
  tierUsage?: Map<string, TierUsage>;
  /** Candidates whose hard-stop budget is already full (read only when a candidate has a hard-stop budget). */
  fullBudgetProviderIds?: string[];
  /**
   * Reactions and replies only: the referenced message when it is the recipient's on the channel, else null
   * (absent when the send references nothing).
   */
  referenced?: ReferencedMessage | null;
}

export interface TierUsage {
  recipients: number;
  /** The recipient already got a template through the provider in the window: Meta counts it once. */
  counted: boolean;
}

/**
 * One check of the send path. Gates run in the contract's order of refusals, before a message is queued;
 * the first that throws (a DomainError with the refusal's code) is the answer and nothing is queued.
 */
export interface SendGate {
  readonly name: string;
  check(context: SendContext, facts: SendFacts): void;
}

export function isFreeForm(content: SendContent): boolean {
  return content.type !== 'template';
}
