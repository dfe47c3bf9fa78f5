/**
 * Runs `action` at most once per `intervalMs`: the first call at once, calls during the interval folded into
 * one more at its end. Bursts of events (a campaign's status updates) then cost one refetch per interval.
 */
export function throttle(action: () => void, intervalMs: number): { run: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  const tick = () => {
    if (pending) {
      pending = false;
      action();
      timer = setTimeout(tick, intervalMs);
    } else {
      timer = undefined;
    }
  };
  return {
    run() {
      if (timer) {
        pending = true;
        return;
      }
      action();
      timer = setTimeout(tick, intervalMs);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}
