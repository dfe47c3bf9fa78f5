/**
 * What the compose box may offer, decided without React or the DOM so that the rules are tested on their own.
 * They mirror the server's send refusals (CONTRACT.md "Errors"): the console must never offer a send the
 * server will refuse, and it must refuse for the same reason the server would give first.
 */
import type { Channel, ConsentStatus, SessionWindow, Template } from '../api/types';

export interface ComposeFacts {
  channel: Channel;
  /** The contact's consent on `channel`. */
  consent: ConsentStatus;
  /** WhatsApp's customer-service window of the contact (ignored for SMS). */
  window: SessionWindow | null;
  /** Milliseconds since the epoch. */
  now: number;
  /** Whether the tenant requires a recorded opt-in before business-initiated messages on `channel`. */
  requireOptIn: boolean;
}

export type ComposeBlock = 'optedOut' | 'consentRequired';

export interface ComposeState {
  /** Nothing may be sent, for this reason (the one the server would answer first). */
  blocked: ComposeBlock | null;
  /** A free-form text may be sent. */
  freeForm: boolean;
  /** The template picker is offered. */
  templates: boolean;
  /** Only a template could go out (WhatsApp outside the window), whether or not it is blocked. */
  templatesOnly: boolean;
  /** WhatsApp only: the window is open now. */
  windowOpen: boolean;
  /** Milliseconds until the window closes; 0 when closed or for SMS. */
  windowLeft: number;
}

/** The requireOptIn defaults of the server's settings (WhatsApp yes, SMS no), for agents who cannot read them. */
export const DEFAULT_REQUIRE_OPT_IN: Record<Channel, boolean> = { whatsapp: true, sms: false };

export function composeState(facts: ComposeFacts): ComposeState {
  const { channel, consent, window, now, requireOptIn } = facts;
  // The window's own `open` flag was true when the resource was read; the expiry decides whether it still is.
  const expiresAt = channel === 'whatsapp' && window?.expiresAt ? Date.parse(window.expiresAt) : Number.NaN;
  const windowOpen = Number.isFinite(expiresAt) && expiresAt > now;
  const windowLeft = windowOpen ? expiresAt - now : 0;
  const templatesOnly = channel === 'whatsapp' && !windowOpen;
  const base = { windowOpen, windowLeft, templatesOnly };

  if (consent === 'opted_out') return { ...base, blocked: 'optedOut', freeForm: false, templates: false };
  const optInMissing = requireOptIn && consent !== 'opted_in';

  if (channel === 'whatsapp') {
    // A reply inside the window answers the customer: it needs no opt-in. A template is business-initiated.
    if (windowOpen) return { ...base, blocked: null, freeForm: true, templates: false };
    if (optInMissing) return { ...base, blocked: 'consentRequired', freeForm: false, templates: false };
    return { ...base, blocked: null, freeForm: false, templates: true };
  }
  if (optInMissing) return { ...base, blocked: 'consentRequired', freeForm: false, templates: false };
  return { ...base, blocked: null, freeForm: true, templates: false };
}

/** Hours and whole minutes of a duration (rounded down: "0 min left" is never shown while a minute remains). */
export function hoursAndMinutes(ms: number): { hours: number; minutes: number } {
  const totalMinutes = Math.max(0, Math.floor(ms / 60_000));
  return { hours: Math.floor(totalMinutes / 60), minutes: totalMinutes % 60 };
}

// GSM 03.38: the basic table (one septet each) and the extension table (escape + character: two septets).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** 0 for an empty text. */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  used: number;
  /** What one segment holds at this length: 160/70 alone, 153/67 when concatenated. */
  perSegment: number;
  /** What the segments counted hold together (at least one segment). */
  capacity: number;
  /** Units left before one more segment is needed. */
  remaining: number;
}

/** The SMS segments of a text, counted as the server counts them (src/modules/conversations/sending/sms-segments.ts). */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  // One character outside GSM-7 makes the whole text UCS-2, where a surrogate pair (most emoji) takes two units.
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  const used = gsm ? septets : text.length;
  const single = gsm ? 160 : 70;
  const concatenated = gsm ? 153 : 67;
  const segments = used === 0 ? 0 : used <= single ? 1 : Math.ceil(used / concatenated);
  const perSegment = segments > 1 ? concatenated : single;
  const capacity = Math.max(1, segments) * perSegment;
  return { encoding, segments, used, perSegment, capacity, remaining: capacity - used };
}

type TemplateShape = Pick<Template, 'preview' | 'parameters' | 'parameterFormat'>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The template as the customer will see it: each placeholder with its value, or left as `{{name}}` while empty. */
export function renderTemplatePreview(template: Pick<Template, 'preview'>, params: Record<string, string>): string {
  return template.preview.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    return value !== undefined && value.trim() !== '' ? value : whole;
  });
}

/** Every parameter the template names has a non-blank value (the server counts blank ones as missing). */
export function templateParametersComplete(template: Pick<Template, 'parameters'>, params: Record<string, string>): boolean {
  return template.parameters.every((name) => (params[name] ?? '').trim() !== '');
}

/** The `parameters` of a template send: a list in position order for positional templates, an object for named ones. */
export function templateSendParameters(template: TemplateShape, params: Record<string, string>): string[] | Record<string, string> {
  if (template.parameterFormat === 'positional') {
    return [...template.parameters].sort((a, b) => Number(a) - Number(b)).map((name) => params[name] ?? '');
  }
  return Object.fromEntries(template.parameters.map((name) => [name, params[name] ?? '']));
}
