export const SESSION_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface SessionWindow {
  open: boolean;
  expiresAt: string | null;
}

/** WhatsApp's customer-service window: free-form messages are allowed for 24 h after the customer's last message. */
export function sessionWindow(lastInboundAt: Date | null, now: Date): SessionWindow {
  if (!lastInboundAt) return { open: false, expiresAt: null };
  const expiresAt = new Date(lastInboundAt.getTime() + SESSION_WINDOW_MS);
  return { open: expiresAt.getTime() > now.getTime(), expiresAt: expiresAt.toISOString() };
}
