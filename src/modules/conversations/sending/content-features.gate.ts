import { Injectable } from '@nestjs/common';
import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { AdapterRegistry } from '../../providers/adapters/adapter-registry';
import type { OutboundFeature } from '../../providers/adapters/channel-adapter';
import type { SendContent, SendContext, SendFacts, SendGate } from './send-gate';

/** What a send needs beyond text, templates and media (the adapters' `outboundFeatures`). */
export function featuresOf(content: SendContent): OutboundFeature[] {
  const needed: OutboundFeature[] = [];
  if (content.type === 'interactive' || content.type === 'reaction' || content.type === 'location') needed.push(content.type);
  if (content.type !== 'reaction' && content.replyToMessageId !== undefined) needed.push('reply');
  return needed;
}

/**
 * Rich sends (interactive, location, reaction, reply) and media: right after `noActiveProvider`, narrows the candidates
 * to providers whose adapter can send the content, else 422 `unsupportedByProvider` (rich content is WhatsApp
 * only). A reaction or reply names a vendor message id that means something on its own provider only, so
 * such a send is narrowed to the referenced message's provider first. Plain sends pass untouched.
 */
@Injectable()
export class ContentFeaturesGate implements SendGate {
  readonly name = 'contentFeatures';

  constructor(private readonly adapters: AdapterRegistry) {}

  check(context: SendContext, facts: SendFacts): void {
    this.checkMedia(context);
    const needed = featuresOf(context.content);
    if (needed.length === 0) return;
    if (context.channel !== 'whatsapp') throw unsupported(needed, context.channel);
    let candidates = context.candidates;
    if (facts.referenced) {
      const providerId = facts.referenced.providerId;
      candidates = candidates.filter((p) => p.id === providerId);
      if (candidates.length === 0) {
        throw new DomainError(ErrorCode.NoActiveProvider, "The provider of the referenced message's conversation is not active.", { providerId });
      }
    }
    candidates = candidates.filter((p) => {
      const supported = this.adapters.find(p.vendor)?.outboundFeatures(p.kind);
      return supported !== undefined && needed.every((feature) => supported.has(feature));
    });
    if (candidates.length === 0) throw unsupported(needed, context.channel);
    context.candidates = candidates;
  }

  /** Media: narrows to providers whose vendor sends this kind on their channel (e.g. not Vonage SMS). */
  private checkMedia(context: SendContext): void {
    if (context.content.type !== 'media') return;
    const mediaType = context.content.media.type;
    const candidates = context.candidates.filter((p) => {
      const kinds = this.adapters.find(p.vendor)?.outboundMediaKinds?.(p.kind);
      return kinds === undefined || (kinds as ReadonlySet<string>).has(mediaType);
    });
    if (candidates.length === 0) {
      throw new DomainError(ErrorCode.UnsupportedByProvider, `No active ${context.channel} provider can send ${mediaType} media.`, {
        features: ['media'],
        mediaType,
      });
    }
    context.candidates = candidates;
  }
}

function unsupported(needed: OutboundFeature[], channel: string): DomainError {
  return new DomainError(ErrorCode.UnsupportedByProvider, `No active ${channel} provider can send ${needed.join(' and ')} messages.`, {
    features: needed,
  });
}
