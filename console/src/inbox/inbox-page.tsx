import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { call } from '../api/client';
import type { Channel, StreamEvent } from '../api/types';
import { ComposeBox } from '../compose/compose-box';
import { ContactPanel, type ConsentRequest } from '../contact/contact-panel';
import { throttle } from '../live/throttle';
import { useEventStream } from '../live/use-event-stream';
import { ConversationList } from './conversation-list';
import { inboxKeys, useContact, useContactConversations, useConversation, type ConversationFilters } from './inbox-queries';
import { Thread } from './thread';
import { ErrorAlert } from '../layout/error-alert';
import './inbox.css';

const SEARCH_DEBOUNCE_MS = 300;
const REFETCH_THROTTLE_MS = 500;

/** The agent's inbox: conversation list | thread and compose box | contact panel. */
export function InboxPage() {
  const { t } = useTranslation('inbox');
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const ids = useId();
  const [channel, setChannel] = useState<Channel | ''>('');
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const openContactIdRef = useRef<string | null>(null);

  useEffect(() => {
    const id = setTimeout(() => setQ(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [search]);
  const filters: ConversationFilters = useMemo(() => ({ channel, unreadOnly, q }), [channel, unreadOnly, q]);

  // Messages arrive and change status in bursts: one refetch of what shows them per 500 ms at most.
  const refreshMessages = useMemo(
    () =>
      throttle(() => {
        void queryClient.invalidateQueries({ queryKey: inboxKeys.conversations });
        void queryClient.invalidateQueries({ queryKey: ['conversation'] });
        void queryClient.invalidateQueries({ queryKey: ['thread'] });
        // A customer's message opens the WhatsApp window, which the contact carries.
        void queryClient.invalidateQueries({ queryKey: ['contact'] });
      }, REFETCH_THROTTLE_MS),
    [queryClient],
  );
  useEffect(() => () => refreshMessages.cancel(), [refreshMessages]);

  const mode = useEventStream((event: StreamEvent) => {
    const contactId = typeof event.data.contactId === 'string' ? event.data.contactId : null;
    switch (event.type) {
      case 'message.received':
      case 'message.status':
      case 'message.failed':
        refreshMessages.run();
        break;
      case 'consent.changed':
        if (contactId) {
          void queryClient.invalidateQueries({ queryKey: inboxKeys.contact(contactId) });
          void queryClient.invalidateQueries({ queryKey: inboxKeys.consent(contactId) });
        }
        break;
      case 'contact.erased': {
        const erased = contactId ?? (typeof event.data.id === 'string' ? event.data.id : null);
        void queryClient.invalidateQueries({ queryKey: inboxKeys.conversations });
        if (erased && erased === openContactIdRef.current) void navigate('/inbox', { replace: true });
        break;
      }
    }
  });
  const polling = mode === 'polling';

  return (
    <div className="inbox" data-view={conversationId ? 'thread' : 'list'}>
      <div className="inbox__list-pane">
        <h1 className="visually-hidden">{t('title')}</h1>
        <div className="inbox__filters" role="group" aria-label={t('filters.label')}>
          <div className="inbox__filter">
            <label htmlFor={`${ids}-channel`}>{t('filters.channel')}</label>
            <select id={`${ids}-channel`} value={channel} onChange={(event) => setChannel(event.target.value as Channel | '')}>
              <option value="">{t('filters.allChannels')}</option>
              <option value="whatsapp">{t('channel.whatsapp')}</option>
              <option value="sms">{t('channel.sms')}</option>
            </select>
          </div>
          <div className="inbox__filter inbox__filter--check">
            <input id={`${ids}-unread`} type="checkbox" checked={unreadOnly} onChange={(event) => setUnreadOnly(event.target.checked)} />
            <label htmlFor={`${ids}-unread`}>{t('filters.unreadOnly')}</label>
          </div>
          <div className="inbox__filter inbox__filter--search">
            <label htmlFor={`${ids}-search`}>{t('filters.search')}</label>
            <input id={`${ids}-search`} type="search" value={search} onChange={(event) => setSearch(event.target.value)} autoComplete="off" />
          </div>
        </div>
        {polling && <p className="inbox__polling muted">{t('live.polling')}</p>}
        <ConversationList filters={filters} selectedId={conversationId} polling={polling} />
      </div>
      {conversationId ? (
        <ConversationView key={conversationId} conversationId={conversationId} polling={polling} openContactIdRef={openContactIdRef} />
      ) : (
        <div className="inbox__thread-pane inbox__thread-pane--empty">
          <p className="muted">{t('selectConversation')}</p>
        </div>
      )}
    </div>
  );
}

interface ViewProps {
  conversationId: string;
  polling: boolean;
  /** Written here so the page can leave a conversation whose contact was erased. */
  openContactIdRef: RefObject<string | null>;
}

/** The open conversation: header, thread, compose box, and the contact panel beside (or behind a toggle). */
function ConversationView({ conversationId, polling, openContactIdRef }: ViewProps) {
  const { t } = useTranslation('inbox');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const ids = useId();
  const conversation = useConversation(conversationId, polling);
  const contactId = conversation.data?.contactId;
  const contact = useContact(contactId, polling);
  const contactConversations = useContactConversations(contactId);
  const [contactOpen, setContactOpen] = useState(false);
  const [consentRequest, setConsentRequest] = useState<ConsentRequest | null>(null);
  const markingRead = useRef(false);
  const toggleRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    openContactIdRef.current = contactId ?? null;
  }, [contactId, openContactIdRef]);

  const unread = conversation.data?.unreadCount ?? 0;
  const visible = usePageVisible();
  useEffect(() => {
    // Again whenever new customer messages arrive while the thread is open and on screen; one mark at a time.
    if (markingRead.current || unread === 0 || !visible) return;
    markingRead.current = true;
    call('markConversationRead', { params: { id: conversationId } })
      .then(() =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: inboxKeys.conversations }),
          queryClient.invalidateQueries({ queryKey: inboxKeys.conversation(conversationId) }),
        ]),
      )
      // A read receipt that did not go out leaves the badge as it was; reading and replying go on regardless.
      .catch(() => undefined)
      .finally(() => {
        markingRead.current = false;
      });
  }, [conversationId, unread, visible, queryClient]);

  function closeContact() {
    setContactOpen(false);
    toggleRef.current?.focus();
  }

  function openConsent(channel: Channel) {
    setContactOpen(true);
    setConsentRequest((previous) => ({ channel, seq: (previous?.seq ?? 0) + 1 }));
  }

  const data = conversation.data;
  const title = data ? data.contact.name || data.contact.phoneNumber : '';
  const asideId = `${ids}-contact`;

  return (
    <>
      <div className="inbox__thread-pane">
        <header className="inbox__thread-head">
          <Link to="/inbox" className="inbox__back button button--quiet">
            <span aria-hidden="true">←</span> {t('back')}
          </Link>
          <h2 className="inbox__thread-title">
            {title ? <span className="inbox__thread-name">{title}</span> : <span className="skeleton skeleton--short" aria-hidden="true" />}
            {data && <span className="badge inbox__thread-channel">{t(`channel.${data.channel}`)}</span>}
          </h2>
          <button
            ref={toggleRef}
            type="button"
            className="button inbox__contact-toggle"
            aria-expanded={contactOpen}
            aria-controls={asideId}
            onClick={() => setContactOpen((open) => !open)}
          >
            {t('contactToggle')}
          </button>
        </header>
        {conversation.isError ? (
          <ErrorAlert error={conversation.error} onRetry={() => void conversation.refetch()} />
        ) : (
          <>
            <Thread conversationId={conversationId} polling={polling} />
            {data && contact.data ? (
              <ComposeBox
                contact={contact.data}
                conversation={data}
                contactConversations={contactConversations.data ?? []}
                onOpenConsent={openConsent}
              />
            ) : (
              <div className="compose compose--skeleton" aria-busy="true" />
            )}
          </>
        )}
      </div>
      <aside
        id={asideId}
        aria-label={t('contact.label')}
        className="inbox__contact-pane"
        data-open={contactOpen}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && contactOpen) closeContact();
        }}
      >
        <button type="button" className="button button--quiet inbox__contact-close" onClick={closeContact}>
          {tc('state.close')}
        </button>
        <ContactPanel contact={contact.data} error={contact.error} consentRequest={consentRequest} />
      </aside>
    </>
  );
}

/** Whether the tab is on screen: messages in a hidden tab are not read yet. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}
