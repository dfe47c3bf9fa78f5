import { useEffect, useEffectEvent, useState } from 'react';
import { call } from '../api/client';
import { routeUrl } from '../api/routes';
import type { StreamEvent } from '../api/types';

/** The event types the inbox reacts to (the stream sends each as a named SSE event). */
export const LIVE_EVENT_TYPES = ['message.received', 'message.status', 'message.failed', 'consent.changed', 'contact.erased'] as const;

export type StreamMode = 'connecting' | 'live' | 'polling';

const MAX_RETRY_MS = 30_000;

/**
 * The tenant's live events. A stream token lives 60 s, so EventSource's own reconnect (same URL) would be
 * refused once it expired: on every error the stream is closed and reopened with a fresh token, passing the
 * last event id so that nothing is missed. While it is down the mode is `polling`, and callers refresh by timer.
 */
export function useEventStream(onEvent: (event: StreamEvent) => void): StreamMode {
  const [mode, setMode] = useState<StreamMode>('connecting');
  const deliver = useEffectEvent(onEvent);

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      const id = setTimeout(() => setMode('polling'), 0);
      return () => clearTimeout(id);
    }
    let stopped = false;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let lastEventId: string | undefined;

    const listener = (message: MessageEvent<string>) => {
      if (message.lastEventId) lastEventId = message.lastEventId;
      try {
        deliver(JSON.parse(message.data) as StreamEvent);
      } catch {
        // A payload that is not JSON is not one of ours; the next event or poll brings the state anyway.
      }
    };

    const retryLater = () => {
      if (stopped) return;
      setMode('polling');
      const delay = Math.min(MAX_RETRY_MS, 1_000 * 2 ** failures);
      failures += 1;
      retryTimer = setTimeout(() => void open(), delay);
    };

    const open = async () => {
      let token: string;
      try {
        ({ token } = await call<{ token: string }>('streamToken'));
      } catch {
        retryLater();
        return;
      }
      if (stopped) return;
      const next = new EventSource(routeUrl('eventStream', {}, { access_token: token, lastEventId }));
      source = next;
      for (const type of LIVE_EVENT_TYPES) next.addEventListener(type, listener);
      next.onopen = () => {
        failures = 0;
        setMode('live');
      };
      next.onerror = () => {
        next.close();
        if (source === next) source = null;
        retryLater();
      };
    };

    void open();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, []);

  return mode;
}
