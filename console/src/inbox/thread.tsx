import { useLayoutEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../api/types';
import { useThread } from './inbox-queries';
import { MessageItem } from './message-item';
import { useNow } from './use-now';
import { ErrorAlert } from '../layout/error-alert';

const LOAD_OLDER_AT_PX = 120;
const STICK_TO_BOTTOM_PX = 80;

/** A conversation's messages, oldest at the top; scrolling up loads older pages without moving what is on screen. */
export function Thread({ conversationId, polling }: { conversationId: string; polling: boolean }) {
  const { t } = useTranslation('inbox');
  const now = useNow(30_000);
  const query = useThread(conversationId, polling);
  const scrollRef = useRef<HTMLDivElement>(null);
  // What the scroll position was measured against before the last change, to keep the view where the reader left it.
  const anchor = useRef<{ conversationId: string; oldestId: string | null; newestId: string | null; scrollHeight: number } | null>(null);

  const messages = useMemo(() => {
    const newestFirst = query.data?.pages.flatMap((page) => page.items) ?? [];
    // Reactions are shown under the message they react to (its `reactions`), not as messages of their own.
    return newestFirst.filter((message) => message.type !== 'reaction').reverse();
  }, [query.data]);
  const byId = useMemo(() => {
    const map = new Map<string, Message>();
    for (const page of query.data?.pages ?? []) for (const message of page.items) map.set(message.id, message);
    return map;
  }, [query.data]);
  const byVendorId = useMemo(() => {
    const map = new Map<string, Message>();
    for (const page of query.data?.pages ?? []) {
      for (const message of page.items) {
        if (message.vendorMessageId) map.set(message.vendorMessageId, message);
      }
    }
    return map;
  }, [query.data]);

  const oldestId = messages[0]?.id ?? null;
  const newestId = messages[messages.length - 1]?.id ?? null;
  const newestOutbound = messages[messages.length - 1]?.direction === 'outbound';

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const previous = anchor.current;
    if (!previous || previous.conversationId !== conversationId) {
      element.scrollTop = element.scrollHeight;
    } else if (previous.oldestId !== oldestId && previous.newestId === newestId) {
      // Older messages were put above: keep the same messages under the reader's eyes.
      element.scrollTop += element.scrollHeight - previous.scrollHeight;
    } else if (previous.newestId !== newestId) {
      // A new message at the bottom: follow it when the reader was there, and always for the agent's own send.
      const wasAtBottom = previous.scrollHeight - element.scrollTop - element.clientHeight < STICK_TO_BOTTOM_PX;
      if (wasAtBottom || newestOutbound) element.scrollTop = element.scrollHeight;
    }
    anchor.current = { conversationId, oldestId, newestId, scrollHeight: element.scrollHeight };
  }, [conversationId, oldestId, newestId, newestOutbound]);

  function onScroll() {
    const element = scrollRef.current;
    if (!element) return;
    if (anchor.current) anchor.current.scrollHeight = element.scrollHeight;
    if (element.scrollTop < LOAD_OLDER_AT_PX && query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
  }

  return (
    <section aria-label={t('thread.label')} className="thread" ref={scrollRef} onScroll={onScroll} aria-busy={query.isPending || query.isFetchingNextPage}>
      {query.isError && (
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      )}
      {query.isPending ? (
        <div className="thread__skeleton">
          {Array.from({ length: 5 }, (_, i) => (
            <span key={i} className={`skeleton skeleton--bubble${i % 2 ? ' skeleton--right' : ''}`} />
          ))}
        </div>
      ) : (
        <>
          <p className="thread__edge muted">
            {query.isFetchingNextPage ? t('thread.loadingOlder') : query.hasNextPage ? ' ' : messages.length > 0 ? t('thread.start') : t('thread.empty')}
          </p>
          {messages.map((message) => {
            const replyId = message.context?.replyToMessageId;
            const vendorReplyId = message.context?.replyToVendorMessageId;
            const replyTo = (replyId && byId.get(replyId)) || (vendorReplyId && byVendorId.get(vendorReplyId)) || undefined;
            return <MessageItem key={message.id} message={message} replyTo={replyTo} now={now} />;
          })}
        </>
      )}
    </section>
  );
}
