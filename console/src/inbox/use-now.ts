import { useSyncExternalStore } from 'react';

/**
 * The current time, re-read every `intervalMs` (relative times, the window's time left). Rounded to the
 * interval so that every reader in one render sees the same instant and React's snapshot stays stable.
 */
export function useNow(intervalMs: number): number {
  return useSyncExternalStore(
    (notify) => {
      const id = setInterval(notify, intervalMs);
      return () => clearInterval(id);
    },
    () => Math.floor(Date.now() / intervalMs) * intervalMs,
  );
}
