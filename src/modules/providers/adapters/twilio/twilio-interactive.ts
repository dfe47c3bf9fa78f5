import { createHash } from 'node:crypto';
import type { InteractiveContent } from '../channel-adapter';

/** Twilio's quick-reply and list-picker body limit. */
const MAX_BODY = 1024;
/**
 * Content resources are never approved or shown to the customer by language: a session message only needs
 * one, and the Content API requires it. English is Twilio's own default in its examples.
 */
const SESSION_CONTENT_LANGUAGE = 'en';

/** `POST /v1/Content` body, in the Content API's field names. */
export interface ContentCreateRequest {
  friendly_name: string;
  language: string;
  types: Record<string, Record<string, unknown>>;
}

/**
 * Reply buttons as `twilio/quick-reply` and a list as `twilio/list-picker`, the only ways Twilio sends them
 * (twilio.com/docs/content/twilio-quick-reply, /twiliolist-picker). Neither type has a header or footer, so
 * they are folded into the body; the list's sections become one flat list of items (Twilio has no sections,
 * and the ≤ 10 rows in all validated before queueing are exactly its ≤ 10 items). The friendly name is
 * derived from the content, so the same buttons make the same request.
 */
export function contentCreateRequest(interactive: InteractiveContent): ContentCreateRequest {
  const body = foldedBody(interactive);
  const [type, fields]: [string, Record<string, unknown>] =
    interactive.type === 'buttons'
      ? ['twilio/quick-reply', { body, actions: interactive.buttons.map(({ title, id }) => ({ title, id })) }]
      : [
          'twilio/list-picker',
          {
            body,
            button: interactive.buttonText,
            items: interactive.sections.flatMap((section) =>
              section.rows.map(({ id, title, description }) => ({ item: title, id, ...(description ? { description } : {}) })),
            ),
          },
        ];
  const types = { [type]: fields };
  const digest = createHash('sha256').update(JSON.stringify(types)).digest('hex');
  const prefix = interactive.type === 'buttons' ? 'parley_quick_reply' : 'parley_list_picker';
  return { friendly_name: `${prefix}_${digest.slice(0, 16)}`, language: SESSION_CONTENT_LANGUAGE, types };
}

/**
 * The header in WhatsApp bold above the body and the footer below it. Should both together overflow
 * Twilio's 1,024 characters (each part is valid alone), the body goes alone: the buttons still work, only
 * the decoration is lost, which beats failing the send after it was accepted.
 */
function foldedBody({ header, body, footer }: InteractiveContent): string {
  const folded = [header ? `*${header}*` : undefined, body, footer].filter((part): part is string => Boolean(part)).join('\n\n');
  return folded.length <= MAX_BODY ? folded : body;
}

/**
 * Content sids already created, by account, origin and content, so repeating the same buttons reuses one
 * Content resource instead of creating a new one per message. In-flight creations are shared too (two sends
 * of the same buttons at once create one). Least recently used entries go first once the cap is reached;
 * losing one only costs one more creation.
 */
export class ContentSidCache {
  private readonly entries = new Map<string, Promise<string>>();

  constructor(private readonly capacity = 1000) {}

  static key(accountSid: string, origin: string, request: ContentCreateRequest): string {
    return createHash('sha256').update(JSON.stringify([accountSid, origin, request])).digest('hex');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached sid for `key`, or `create()`'s; a failed creation is not kept, so the next send tries again. */
  async sid(key: string, create: () => Promise<string>): Promise<string> {
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const created = create();
    this.entries.set(key, created);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    try {
      return await created;
    } catch (e) {
      if (this.entries.get(key) === created) this.entries.delete(key);
      throw e;
    }
  }

  /** Forgets a sid Twilio no longer knows (deleted Content), so the next send creates it again. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
