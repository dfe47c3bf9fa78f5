export interface Closable {
  close(): Promise<void>;
}

/** What tests opened (apps, fake vendors) and have not closed yet. */
const open = new Set<Closable>();

/**
 * Registers something that keeps the process alive until closed; the returned close closes it once and
 * forgets it. A suite whose beforeAll or helper throws half-way may never reach its own close: the
 * afterAll of test/support/close-leftovers.ts closes what is left, so that Jest exits by itself.
 */
export function trackOpen(resource: Closable): Closable {
  let closing: Promise<void> | undefined;
  const tracked: Closable = {
    close: () => {
      open.delete(tracked);
      return (closing ??= resource.close());
    },
  };
  open.add(tracked);
  return tracked;
}

/** Closes everything still open, newest first (an app before the fake vendors it was calling). */
export async function closeLeftovers(): Promise<number> {
  const left = [...open].reverse();
  for (const resource of left) {
    await resource.close().catch(() => undefined);
  }
  return left.length;
}
