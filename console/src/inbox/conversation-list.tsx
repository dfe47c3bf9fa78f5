import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Conversation } from '../api/types';
import { relativeTime } from './format';
import { useConversationList, type ConversationFilters } from './inbox-queries';
import { useNow } from './use-now';
import { ErrorAlert } from '../layout/error-alert';

/** Fixed row height (px): the virtualizer places rows without measuring them, and skeletons take the same room. */
export const ROW_HEIGHT = 72;
const SKELETON_ROWS = 8;

interface Props {
  filters: ConversationFilters;
  selectedId: string | undefined;
  polling: boolean;
}

/** The inbox list: newest activity first, virtualized, more pages loaded as the end scrolls into view. */
export function ConversationList({ filters, selectedId, polling }: Props) {
  const { t, i18n } = useTranslation('inbox');
  const now = useNow(30_000);
  const query = useConversationList(filters, polling);
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  const scrollRef = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer's functions are only called, never memoized by us
  const virtualizer = useVirtualizer({
    count: items.length + (hasNextPage ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.length > 0 ? virtualRows[virtualRows.length - 1].index : -1;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= items.length - 5) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, lastIndex, items.length, fetchNextPage]);

  /** Arrow keys move between rows; rows outside the rendered window are scrolled in before they get focus. */
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp' && event.key !== 'Home' && event.key !== 'End') return;
    const current = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    // A key pressed before the previous target row was rendered and focused moves on from that target.
    const index = pendingFocus.current ?? (current ? Number(current.dataset.index) : -1);
    const target =
      event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1 : Math.min(items.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)));
    if (target < 0 || target === index) return;
    event.preventDefault();
    virtualizer.scrollToIndex(target, { align: 'auto' });
    pendingFocus.current = target;
    const focusRow = (attempt: number) => {
      if (pendingFocus.current !== target) return;
      const link = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${target}"] a`);
      if (link) link.focus();
      if (link || attempt >= 5) pendingFocus.current = null;
      else requestAnimationFrame(() => focusRow(attempt + 1));
    };
    requestAnimationFrame(() => focusRow(0));
  }

  return (
    <div className="conversation-list" ref={scrollRef} onKeyDown={onKeyDown}>
      {query.isError && (
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      )}
      {query.isPending ? (
        <div className="conversation-list__rows" aria-busy="true" aria-label={t('list.label')} role="list">
          {Array.from({ length: SKELETON_ROWS }, (_, i) => (
            <div key={i} role="listitem" className="conversation-row conversation-row--skeleton" style={{ height: ROW_HEIGHT }}>
              <span className="skeleton skeleton--line" />
              <span className="skeleton skeleton--short" />
            </div>
          ))}
        </div>
      ) : items.length === 0 && !query.isError ? (
        <p className="muted conversation-list__empty">{t('list.empty')}</p>
      ) : (
        <div role="list" aria-label={t('list.label')} className="conversation-list__rows" style={{ height: virtualizer.getTotalSize() }}>
          {virtualRows.map((row) => {
            const conversation = items[row.index];
            return (
              <div
                key={conversation?.id ?? 'more'}
                role="listitem"
                data-index={row.index}
                aria-setsize={hasNextPage ? -1 : items.length}
                aria-posinset={row.index + 1}
                className="conversation-list__slot"
                style={{ height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              >
                {conversation ? (
                  <ConversationRow conversation={conversation} selected={conversation.id === selectedId} now={now} language={i18n.language} />
                ) : (
                  <p className="conversation-row conversation-row--more muted">{t('list.loadingMore')}</p>
                )}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

function ConversationRow({ conversation, selected, now, language }: { conversation: Conversation; selected: boolean; now: number; language: string }) {
  const { t } = useTranslation('inbox');
  const name = conversation.contact.name || conversation.contact.phoneNumber;
  const last = conversation.lastMessage;
  const text = last ? (last.text?.replace(/\s+/g, ' ') ?? t('content.empty', { type: last.type })) : null;
  const preview = last && text ? (last.direction === 'outbound' ? t('list.you', { text }) : text) : t('list.noMessages');
  const unread = conversation.unreadCount ?? 0;
  return (
    <Link
      to={`/inbox/${conversation.id}`}
      className={`conversation-row${selected ? ' conversation-row--selected' : ''}${unread > 0 ? ' conversation-row--unread' : ''}`}
      aria-current={selected ? 'page' : undefined}
      data-conversation-id={conversation.id}
    >
      <span className="conversation-row__top">
        <span className="conversation-row__name">{name}</span>
        <span className={`badge conversation-row__channel conversation-row__channel--${conversation.channel}`}>{t(`channel.${conversation.channel}`)}</span>
        <time className="conversation-row__time muted" dateTime={conversation.lastMessageAt}>
          {relativeTime(conversation.lastMessageAt, now, language)}
        </time>
      </span>
      <span className="conversation-row__bottom">
        <span className="conversation-row__preview muted">{preview}</span>
        {unread > 0 && (
          <span className="badge badge--ok conversation-row__unread">
            <span aria-hidden="true">{unread}</span>
            <span className="visually-hidden">{t('list.unread', { count: unread })}</span>
          </span>
        )}
      </span>
    </Link>
  );
}
