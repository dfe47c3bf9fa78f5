import { createHmac } from 'node:crypto';
import { metaInboundText } from '../../test/support/messaging';

export const META_APP_SECRET = 'bench-meta-app-secret';

export interface MetaDelivery {
  body: string;
  signature: string;
  /** E.164 of the sender. */
  phone: string;
  wamid: string;
}

let sequence = 0;

/**
 * A signed Meta delivery with one text message that no other delivery of this bench process shares: its
 * own wamid and its own sender, so every request is a new event, a new contact and a new conversation.
 */
export function nextMetaDelivery(): MetaDelivery {
  sequence += 1;
  const digits = `3161${String(sequence).padStart(7, '0')}`;
  const wamid = `wamid.bench-${process.pid}-${sequence}`;
  const body = metaInboundText(digits, 'benchmark', wamid);
  return { body, signature: `sha256=${createHmac('sha256', META_APP_SECRET).update(body).digest('hex')}`, phone: `+${digits}`, wamid };
}
