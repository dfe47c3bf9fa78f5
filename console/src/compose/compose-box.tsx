import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { call, newIdempotencyKey } from '../api/client';
import type { Channel, Contact, Conversation, Message } from '../api/types';
import { inboxKeys } from '../inbox/inbox-queries';
import { useNow } from '../inbox/use-now';
import { composeState, hoursAndMinutes, smsSegments } from './compose-rules';
import { TemplatePicker, type TemplateSend } from './template-picker';
import { useRequireOptIn } from './use-require-opt-in';
import { ErrorAlert } from '../layout/error-alert';
import './compose.css';

const CHANNELS: Channel[] = ['whatsapp', 'sms'];

type SendBody = { contactId: string; channel: Channel; providerId?: string } & ({ text: string } | { template: TemplateSend });

interface Props {
  contact: Contact;
  /** The open conversation: its channel is the first tab. */
  conversation: Conversation;
  /** The contact's conversations on every channel (a channel without one can still be chosen). */
  contactConversations: Conversation[];
  onOpenConsent: (channel: Channel) => void;
}

export function ComposeBox({ contact, conversation, contactConversations, onOpenConsent }: Props) {
  const { t } = useTranslation('inbox');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const requireOptIn = useRequireOptIn();
  const now = useNow(30_000);
  const ids = useId();
  const [channel, setChannel] = useState<Channel>(conversation.channel);
  const [text, setText] = useState('');
  const tabRefs = useRef<Record<Channel, HTMLButtonElement | null>>({ whatsapp: null, sms: null });
  // The key of the action being sent: a retry or a second click of the same body reuses it, so it sends once.
  const attempt = useRef<{ signature: string; key: string } | null>(null);
  const inFlight = useRef(false);

  const channelConversation = channel === conversation.channel ? conversation : contactConversations.find((c) => c.channel === channel);
  const state = composeState({
    channel,
    consent: contact.consent[channel],
    window: channel === 'whatsapp' ? contact.sessionWindow.whatsapp : null,
    now,
    requireOptIn: requireOptIn[channel],
  });
  const showFreeForm = !state.templatesOnly;

  const send = useMutation({
    mutationFn: ({ body, key }: { body: SendBody; key: string }) =>
      call<Message>('sendMessage', { body, headers: { 'Idempotency-Key': key } }),
    onSuccess: async (message) => {
      attempt.current = null;
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: inboxKeys.thread(message.conversationId) }),
        queryClient.invalidateQueries({ queryKey: inboxKeys.conversations }),
      ]);
      // A first message on another channel starts a conversation there: follow it, so the reply is in view.
      if (message.conversationId !== conversation.id) void navigate(`/inbox/${message.conversationId}`);
    },
    onSettled: () => {
      inFlight.current = false;
    },
  });

  function submit(content: { text: string } | { template: TemplateSend }, onSent: () => void) {
    if (inFlight.current) return;
    // A reply leaves from the number the customer wrote to; a channel without a conversation lets Parley choose.
    const body: SendBody = { contactId: contact.id, channel, ...(channelConversation ? { providerId: channelConversation.providerId } : {}), ...content };
    const signature = JSON.stringify(body);
    if (attempt.current?.signature !== signature) attempt.current = { signature, key: newIdempotencyKey() };
    inFlight.current = true;
    send.mutate({ body, key: attempt.current.key }, { onSuccess: onSent });
  }

  function sendText(event?: FormEvent) {
    event?.preventDefault();
    if (!state.freeForm || text.trim() === '') return;
    submit({ text }, () => setText(''));
  }

  function onTextKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      sendText();
    }
  }

  function chooseChannel(next: Channel) {
    if (next === channel) return;
    setChannel(next);
    send.reset();
  }

  function onTabKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const index = CHANNELS.indexOf(channel);
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? CHANNELS.length - 1 : (index + (event.key === 'ArrowRight' ? 1 : CHANNELS.length - 1)) % CHANNELS.length;
    chooseChannel(CHANNELS[next]);
    tabRefs.current[CHANNELS[next]]?.focus();
  }

  const channelName = t(`channel.${channel}`);
  const segments = channel === 'sms' ? smsSegments(text) : null;
  const left = hoursAndMinutes(state.windowLeft);
  const panelId = `${ids}-panel`;

  return (
    <form className="compose" aria-label={t('compose.label')} onSubmit={sendText}>
      <div className="compose__head">
        <div role="tablist" aria-label={t('compose.channel')} className="compose__tabs">
          {CHANNELS.map((option) => (
            <button
              key={option}
              ref={(element) => {
                tabRefs.current[option] = element;
              }}
              type="button"
              role="tab"
              id={`${ids}-tab-${option}`}
              aria-selected={option === channel}
              aria-controls={panelId}
              tabIndex={option === channel ? 0 : -1}
              className="compose__tab"
              onClick={() => chooseChannel(option)}
              onKeyDown={onTabKeyDown}
            >
              {t(`channel.${option}`)}
            </button>
          ))}
        </div>
        {channel === 'whatsapp' && (
          <p className={`compose__window badge ${state.windowOpen ? 'badge--ok' : 'badge--warning'}`}>
            {state.windowOpen ? t('compose.windowOpen', { hours: left.hours, minutes: left.minutes }) : t('compose.windowClosed')}
          </p>
        )}
      </div>

      <div role="tabpanel" id={panelId} aria-labelledby={`${ids}-tab-${channel}`} className="compose__panel">
        {state.blocked && (
          <div role="alert" className="banner banner--danger compose__blocked">
            <span>{state.blocked === 'optedOut' ? t('compose.optedOut', { channel: channelName }) : t('compose.consentRequired', { channel: channelName })}</span>
            <button type="button" className="button" onClick={() => onOpenConsent(channel)}>
              {t('compose.openConsent')}
            </button>
          </div>
        )}

        {showFreeForm ? (
          <>
            <label htmlFor={`${ids}-text`}>{t('compose.message')}</label>
            <textarea
              id={`${ids}-text`}
              rows={3}
              value={text}
              onChange={(event) => setText(event.target.value)}
              onKeyDown={onTextKeyDown}
              disabled={!state.freeForm}
              aria-describedby={`${ids}-hint`}
              maxLength={channel === 'sms' ? 1600 : 4096}
            />
            <div className="row row--between compose__actions">
              <span id={`${ids}-hint`} className="muted compose__hint">
                {segments ? (
                  <>
                    <span className="compose__segments">{t('compose.segments', { count: segments.segments, used: segments.used, capacity: segments.capacity })}</span>
                    {segments.encoding === 'UCS-2' && <span> · {t('compose.ucs2')}</span>}
                  </>
                ) : (
                  t('compose.messageHint')
                )}
              </span>
              <button type="submit" className="button button--primary" disabled={!state.freeForm || send.isPending || text.trim() === ''} aria-busy={send.isPending}>
                {t('compose.send')}
              </button>
            </div>
          </>
        ) : (
          <>
            <p className="compose__outside">{t('compose.outsideWindow')}</p>
            <TemplatePicker
              key={channelConversation?.providerId ?? 'all'}
              providerId={channelConversation?.providerId ?? null}
              disabled={!state.templates}
              sending={send.isPending}
              onSend={(template, onSent) => submit({ template }, onSent)}
            />
          </>
        )}

        {send.isError && (
          <ErrorAlert error={send.error} />
        )}
      </div>
    </form>
  );
}
