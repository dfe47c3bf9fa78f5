import { Injectable } from '@nestjs/common';
import { Clock } from '../../../../common/clock/clock';
import { isSuccessful, retryAfterMs, VendorHttpClient, type VendorResponse, vendorUrl } from '../../http/vendor-http.client';
import type { ProviderKind } from '../../provider-kind';
import type {
  ChannelAdapter,
  CredentialSpec,
  ErrorClassification,
  MediaDownload,
  MediaRef,
  MediaKind,
  OutboundContent,
  OutboundFeature,
  OutboundMessage,
  ProviderContext,
  RawWebhookRequest,
  SendResult,
  TemplateContent,
  WebhookEvent,
} from '../channel-adapter';
import { asString, isJsonObject, type JsonObject } from '../json-reader';
import { interactiveObject } from '../meta/cloud-api.format';
import { allowedMediaUrl, hours, mediaUrlOf, streamMedia } from '../media-download';
import { NO_FEATURES, refuseUnsupported } from '../outbound-features';
import { VendorError } from '../vendor-error';
import { vonageAuthorization, verifyVonageWebhook } from './vonage-auth';
import { classifyVonageError, PARLEY_CODES, readProblem } from './vonage-errors';
import { parseVonageWebhook, readVonageBody, vonageDedupKey } from './vonage-webhooks';

export const VONAGE_API_ORIGIN = 'https://api.nexmo.com';
export const VONAGE_MESSAGES_PATH = '/v1/messages';
/** The Account API's host (balance, settings), beside the Messages API's. */
export const VONAGE_REST_ORIGIN = 'https://rest.nexmo.com';

/** Vonage's media servers: `api.nexmo.com` and its regional twins (`api-us.nexmo.com`, `api-eu.nexmo.com`, …). */
const VONAGE_MEDIA_HOSTS = ['.nexmo.com'];
const VONAGE_MEDIA_WINDOW_MS = hours(48);

/** Parley's media kinds as Messages API message types (a document is a `file`). */
const MESSAGE_TYPE: Readonly<Record<MediaKind, string>> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'file',
};

/** On WhatsApp Vonage reacts and quotes natively, and passes WhatsApp's interactive and location objects through `custom`. */
const WHATSAPP_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>(['interactive', 'reaction', 'location', 'reply']);
const NO_MEDIA_KINDS: ReadonlySet<MediaKind> = new Set<MediaKind>();
const ALL_MEDIA_KINDS: ReadonlySet<MediaKind> = new Set<MediaKind>(Object.keys(MESSAGE_TYPE) as MediaKind[]);

/**
 * Vonage Messages API (v1) for SMS and WhatsApp. One endpoint serves both channels; the provider's
 * channel picks the `channel` field. Statuses and inbound messages arrive as one JSON object per
 * webhook, signed with a JWT over the body's hash.
 */
@Injectable()
export class VonageAdapter implements ChannelAdapter {
  static readonly vendor = 'vonage';
  readonly vendor = VonageAdapter.vendor;
  readonly kinds: readonly ProviderKind[] = ['sms', 'whatsapp-bsp'];

  constructor(
    private readonly http: VendorHttpClient,
    private readonly clock: Clock,
  ) {}

  credentialSpec(): CredentialSpec {
    // applicationId + privateKey together switch sending to an application JWT; alone they change nothing.
    return { required: ['apiKey', 'apiSecret'], optional: ['applicationId', 'privateKey'] };
  }

  webhookSecretPolicy(): 'required' {
    // The account's signature secret: it is not derivable from the API key and secret.
    return 'required';
  }

  defaultRateLimitPerSecond(): number {
    // Vonage's default outbound throughput per account is 30 API requests per second.
    return 30;
  }

  outboundFeatures(kind: ProviderKind): ReadonlySet<OutboundFeature> {
    return kind === 'sms' ? NO_FEATURES : WHATSAPP_FEATURES;
  }

  /** Vonage's SMS API carries text only (see `content`): media over SMS is refused before queueing. */
  outboundMediaKinds(kind: ProviderKind): ReadonlySet<MediaKind> {
    return kind === 'sms' ? NO_MEDIA_KINDS : ALL_MEDIA_KINDS;
  }

  async send(p: ProviderContext, message: OutboundMessage): Promise<SendResult> {
    refuseUnsupported(this.vendor, this.outboundFeatures(p.kind), message.content);
    const body = {
      ...this.content(p, message),
      ...replyContext(message.content),
      to: withoutPlus(message.to),
      from: withoutPlus(p.phoneNumber),
      channel: p.channel,
    };
    const response = await this.http.request({
      method: 'POST',
      url: vendorUrl(p.credentials, VONAGE_API_ORIGIN, VONAGE_MESSAGES_PATH),
      headers: { authorization: vonageAuthorization(p.credentials, this.clock.now()) },
      json: body,
    });
    if (!isSuccessful(response)) throw vonageError(response);
    const vendorMessageId = isJsonObject(response.json) ? asString(response.json.message_uuid) : undefined;
    if (!vendorMessageId) {
      throw new VendorError({ httpStatus: response.status, message: `Vonage answered HTTP ${response.status} without a message_uuid` });
    }
    return { vendorMessageId };
  }

  /**
   * `GET /account/get-balance` (Account API) with the account's key and secret: those are what the Account API
   * takes, and an application JWT could not show them wrong. Only the balance's presence is read, never shown.
   */
  async checkConnection(p: ProviderContext): Promise<string> {
    const { apiKey = '', apiSecret = '' } = p.credentials;
    const response = await this.http.request({
      method: 'GET',
      url: vendorUrl(p.credentials, VONAGE_REST_ORIGIN, '/account/get-balance'),
      headers: { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`, 'utf8').toString('base64')}` },
    });
    if (!isSuccessful(response)) throw accountApiError(response);
    return `The API key ${apiKey} and its secret can read the Vonage account's balance`;
  }

  verifyWebhook(p: ProviderContext, request: RawWebhookRequest): boolean {
    return verifyVonageWebhook(p.webhookSecret, request.headers.authorization, request.rawBody, this.clock.now());
  }

  parseWebhook(_p: ProviderContext, request: RawWebhookRequest): WebhookEvent[] {
    return parseVonageWebhook(readVonageBody(request.rawBody), this.clock.now());
  }

  webhookDedupKey(request: RawWebhookRequest): string | null {
    try {
      return vonageDedupKey(readVonageBody(request.rawBody));
    } catch {
      return null;
    }
  }

  /** Vonage keeps inbound media on its media servers for 48 hours. */
  mediaDownloadWindowMs(): number {
    return VONAGE_MEDIA_WINDOW_MS;
  }

  /**
   * The URL of the webhook (`https://api-<region>.nexmo.com/v3/media/<uuid>`). Accounts with "secure inbound
   * media" need the application JWT; the credentials sent are the same as for sending, and only to Vonage.
   */
  async downloadMedia(p: ProviderContext, media: MediaRef): Promise<MediaDownload> {
    const url = allowedMediaUrl(p, this.vendor, mediaUrlOf(this.vendor, media), VONAGE_MEDIA_HOSTS);
    return await streamMedia(this.http, this.vendor, url, { authorization: vonageAuthorization(p.credentials, this.clock.now()) });
  }

  classifyError(error: VendorError): ErrorClassification {
    return classifyVonageError(error);
  }

  /** The message-type part of the request body, by channel and content. */
  private content(p: ProviderContext, { content }: OutboundMessage): JsonObject {
    switch (content.type) {
      case 'text':
        return { message_type: 'text', text: content.text };
      case 'template':
        return p.channel === 'whatsapp' ? whatsappTemplate(content.template) : smsTemplate(content.template);
      case 'media': {
        if (p.channel !== 'whatsapp') {
          throw new VendorError({
            vendorCode: PARLEY_CODES.smsMedia,
            message: 'Vonage cannot send media over SMS; send text, or send the media over WhatsApp',
          });
        }
        const { kind, url, caption, filename } = content.media;
        const type = MESSAGE_TYPE[kind];
        // WhatsApp shows no caption on audio, and a file's name only on files.
        const media: JsonObject = { url };
        if (caption && kind !== 'audio') media.caption = caption;
        if (filename && kind === 'document') media.name = filename;
        return { message_type: type, [type]: media };
      }
      case 'interactive':
        // Vonage hands a `custom` message to WhatsApp as written: the Cloud API interactive object.
        return { message_type: 'custom', custom: { type: 'interactive', interactive: interactiveObject(content.interactive) } };
      case 'location': {
        const { latitude, longitude, name, address } = content.location;
        return { message_type: 'custom', custom: { type: 'location', location: { latitude, longitude, ...(name && { name }), ...(address && { address }) } } };
      }
      case 'reaction': {
        // The reacted-to message goes in the context; no emoji takes the earlier reaction back.
        const { targetVendorMessageId, emoji } = content.reaction;
        return {
          message_type: 'reaction',
          reaction: emoji ? { action: 'react', emoji } : { action: 'unreact' },
          context: { message_uuid: targetVendorMessageId },
        };
      }
    }
  }
}

/** A quoted reply names the earlier message by its Vonage message_uuid. */
function replyContext(content: OutboundContent): JsonObject {
  return content.type !== 'reaction' && content.replyToVendorMessageId ? { context: { message_uuid: content.replyToVendorMessageId } } : {};
}

/**
 * Vonage's `template` type takes positional parameters only (`template.parameters: string[]`). Named
 * parameters go through a `custom` message, which Vonage hands to WhatsApp as written: the Cloud API
 * template object, whose body parameters carry `parameter_name`.
 */
function whatsappTemplate(template: TemplateContent): JsonObject {
  const locale = template.language.replace(/-/g, '_');
  if (Array.isArray(template.parameters)) {
    return {
      message_type: 'template',
      template: { name: template.name, parameters: template.parameters },
      whatsapp: { policy: 'deterministic', locale },
    };
  }
  const parameters = Object.entries(template.parameters).map(([name, text]) => ({ type: 'text', parameter_name: name, text }));
  return {
    message_type: 'custom',
    custom: {
      type: 'template',
      template: {
        name: template.name,
        language: { policy: 'deterministic', code: locale },
        ...(parameters.length > 0 && { components: [{ type: 'body', parameters }] }),
      },
    },
  };
}

/** SMS has no templates: the rendered text is sent, and without it there is nothing to send. */
function smsTemplate(template: TemplateContent): JsonObject {
  if (template.renderedText === undefined) {
    throw new VendorError({
      vendorCode: PARLEY_CODES.smsTemplate,
      message: `Template ${template.name} has no rendered text to send over Vonage SMS`,
    });
  }
  return { message_type: 'text', text: template.renderedText };
}

/** E.164 numbers go without `+`; an alphanumeric sender id goes as it is. */
function withoutPlus(number: string): string {
  return /^\+\d+$/.test(number) ? number.slice(1) : number;
}

function vonageError(response: VendorResponse): VendorError {
  const problem = readProblem(response.json, `Vonage answered HTTP ${response.status}`);
  return new VendorError({
    httpStatus: response.status,
    vendorCode: problem.code,
    message: problem.message,
    ...(problem.vendorMessage ? { vendorMessage: problem.vendorMessage } : {}),
    retryAfterMs: retryAfterMs(response.headers),
  });
}

/**
 * The Account API answers failures as `{"error-code": "401", "error-code-label": "authentication failed"}`,
 * not in the Messages API's RFC 7807 form; either is read.
 */
function accountApiError(response: VendorResponse): VendorError {
  const body = isJsonObject(response.json) ? response.json : undefined;
  const code = body?.['error-code'];
  const label = asString(body?.['error-code-label']);
  if (code === undefined && label === undefined) return vonageError(response);
  return new VendorError({
    httpStatus: response.status,
    ...(typeof code === 'string' || typeof code === 'number' ? { vendorCode: String(code) } : {}),
    message: label ?? `Vonage answered HTTP ${response.status}`,
    ...(label ? { vendorMessage: label } : {}),
    retryAfterMs: retryAfterMs(response.headers),
  });
}
