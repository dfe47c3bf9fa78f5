import type { InboundContent } from './channel-adapter';

const MEDIA_LABELS: Readonly<Record<string, string>> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
};

/**
 * The readable text of an inbound content, for agents' lists, notifications and search: the customer's
 * words where there are any (text, caption, the title they tapped), else a short bracketed description
 * (`[reaction 👍]`, `[order: 2 items]`). Never empty, so no message reaches an agent as an empty shell.
 */
export function inboundText(content: InboundContent): string {
  switch (content.type) {
    case 'text':
      return content.text || '[empty message]';
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return content.caption || (content.filename ? `[${MEDIA_LABELS[content.type]}: ${content.filename}]` : `[${MEDIA_LABELS[content.type]}]`);
    case 'location': {
      const place = [content.name, content.address].filter(Boolean).join(', ');
      return place ? `[location: ${place}]` : `[location ${content.latitude}, ${content.longitude}]`;
    }
    case 'contacts': {
      const names = content.contacts.map((c) => c.name || c.phones[0] || c.emails[0]).filter(Boolean);
      const label = content.contacts.length === 1 ? 'contact' : `${content.contacts.length} contacts`;
      return names.length ? `[${label}: ${names.join(', ')}]` : `[${label}]`;
    }
    case 'interactive':
      return content.title || (content.kind === 'flow_reply' ? '[form answers]' : `[${content.id}]`);
    case 'button':
      return content.text || content.payload || '[button]';
    case 'reaction':
      return content.emoji ? `[reaction ${content.emoji}]` : '[reaction removed]';
    case 'order': {
      const count = content.items.reduce((sum, item) => sum + item.quantity, 0);
      const summary = `[order: ${count} ${count === 1 ? 'item' : 'items'}]`;
      return content.text ? `${summary} ${content.text}` : summary;
    }
    case 'system':
      return content.text || `[${content.kind}]`;
    case 'unsupported':
      return `[unsupported message: ${content.rawType}]`;
  }
}

/**
 * A price or amount as a decimal string without going through float arithmetic: strings are kept as
 * written (when they are decimals), numbers written out in full (`1e-7` → `0.0000001`).
 */
export function decimalString(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const text = value.trim();
    return /^-?\d+(\.\d+)?$/.test(text) ? text : undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  // Exponent notation only for very small or very large numbers; 20 places cover every currency.
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}
