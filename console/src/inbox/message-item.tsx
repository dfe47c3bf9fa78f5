import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { errorText } from '../api/error-text';
import type { Message } from '../api/types';
import { messageTime } from './format';
import { MessageMediaView } from './message-media';

const OUTBOUND_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
const VENDOR_FAILURES = ['vendorUnavailable', 'vendorTimeout', 'notOnWhatsApp', 'invalidRecipient', 'vendorRejected'] as const;

interface Props {
  message: Message;
  /** The replied-to message when it is on the loaded pages. */
  replyTo: Message | undefined;
  now: number;
}

export function MessageItem({ message, replyTo, now }: Props) {
  const { t, i18n } = useTranslation('inbox');
  const { t: tc } = useTranslation();
  const outbound = message.direction === 'outbound';
  const context = message.context;
  const replyId = context?.replyToMessageId ?? context?.replyToVendorMessageId;

  return (
    <article
      className={`message message--${message.direction}${message.status === 'failed' ? ' message--failed' : ''}`}
      data-message-id={message.id}
      data-direction={message.direction}
      data-status={message.status}
      aria-label={outbound ? t('thread.outbound') : t('thread.inbound')}
    >
      {context?.forwarded && <p className="message__meta muted">{t('thread.forwarded')}</p>}
      {replyId && (
        <blockquote className="message__quote">
          {replyTo ? t('thread.replyTo', { text: snippet(replyTo, t) }) : t('thread.replyToEarlier')}
        </blockquote>
      )}
      <MessageBody message={message} />
      {message.reactions.length > 0 && (
        <ul className="message__reactions" aria-label={t('thread.reactions')}>
          {message.reactions.map((reaction) => (
            <li key={`${reaction.from}-${reaction.emoji}`} title={t('thread.reaction', { emoji: reaction.emoji, from: reaction.from })}>
              <span aria-hidden="true">{reaction.emoji}</span>
              <span className="visually-hidden">{t('thread.reaction', { emoji: reaction.emoji, from: reaction.from })}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="message__meta muted">
        <time dateTime={message.createdAt}>{messageTime(message.createdAt, now, i18n.language)}</time>
        {message.editedAt && (
          <>
            <span aria-hidden="true"> · </span>
            <span>{t('thread.edited')}</span>
          </>
        )}
        {outbound && isOutboundStatus(message.status) && (
          <>
            <span aria-hidden="true"> · </span>
            <span className={`message__status message__status--${message.status}`}>{t(`status.${message.status}`)}</span>
          </>
        )}
      </p>
      {message.status === 'failed' && (
        <p className="message__failure">
          {t('status.failedBecause', { reason: failureText(message, t, tc) })}
          {message.vendorErrorMessage && <span className="message__vendor"> {t('status.vendorSaid', { message: message.vendorErrorMessage })}</span>}
        </p>
      )}
    </article>
  );
}

function MessageBody({ message }: { message: Message }) {
  const { t } = useTranslation('inbox');
  if (message.deletedAt) return <p className="message__text muted">{t('thread.deleted')}</p>;
  const described = describeContent(message, t);
  return (
    <>
      {message.template && <p className="message__label badge">{t('thread.template', { name: message.template.name })}</p>}
      {message.media && <MessageMediaView messageId={message.id} media={message.media} />}
      {described && <p className="message__text message__text--described">{described}</p>}
      {message.text && !described && <p className="message__text">{message.text}</p>}
      {!message.text && !described && !message.media && <p className="message__text muted">{t('content.empty', { type: message.type })}</p>}
    </>
  );
}

/** Location, contact cards, choices and the other structured kinds, in words (the text alone may be empty or terse). */
function describeContent(message: Message, t: TFunction<'inbox'>): string | null {
  const content: Record<string, unknown> = message.content ?? {};
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  const coordinate = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? String(value) : '?');
  switch (message.type) {
    case 'location': {
      const name = [str(content.name), str(content.address)].filter(Boolean).join(', ');
      const place = t('content.locationPlace', { name: name || '—', latitude: coordinate(content.latitude), longitude: coordinate(content.longitude) });
      return t('content.location', { place });
    }
    case 'contacts': {
      const cards = Array.isArray(content.contacts) ? (content.contacts as { name?: unknown }[]) : [];
      const names = cards.map((card) => (typeof card.name === 'string' && card.name ? card.name : t('content.unnamedContact')));
      return t('content.contacts', { names: names.join(', ') || t('content.unnamedContact') });
    }
    case 'interactive':
      return t('content.interactive', { title: str(content.title) || message.text || '' });
    case 'button':
      return t('content.button', { text: str(content.text) || message.text || '' });
    case 'order':
      return t('content.order', { count: Array.isArray(content.items) ? content.items.length : 0 });
    case 'system':
      return t('content.system', { text: str(content.text) || message.text || '' });
    case 'unsupported':
      return t('content.unsupported', { type: str(content.rawType) || message.type });
    case 'reaction':
      return t('content.reaction', { emoji: str(content.emoji) });
    default:
      return null;
  }
}

function snippet(message: Message, t: TFunction<'inbox'>): string {
  const text = message.text ?? describeContent(message, t) ?? t('content.empty', { type: message.type });
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function isOutboundStatus(status: Message['status']): status is (typeof OUTBOUND_STATUSES)[number] {
  return (OUTBOUND_STATUSES as readonly string[]).includes(status);
}

/** The failure in words: the vendor codes the inbox knows, else the common API error words, else the server's message. */
function failureText(message: Message, t: TFunction<'inbox'>, tc: TFunction): string {
  const code = message.errorCode;
  if (code && (VENDOR_FAILURES as readonly string[]).includes(code)) return t(`failure.${code as (typeof VENDOR_FAILURES)[number]}`);
  if (code) return errorText(tc, new ApiError(422, code, message.errorMessage ?? ''));
  return message.errorMessage ?? tc('errors.unknown', { status: '?' });
}
