import { outboundFeaturesOf, type OutboundContent, type OutboundFeature } from './channel-adapter';
import { UNSUPPORTED_CONTENT, VendorError } from './vendor-error';

export const NO_FEATURES: ReadonlySet<OutboundFeature> = new Set<OutboundFeature>();

/**
 * Refuses content that needs a feature this vendor lacks, before any request: callers should have asked
 * `outboundFeatures` first, so reaching this is a caller's bug or a provider changed in between, and the
 * message fails as `unsupportedByProvider` rather than as something the vendor said.
 */
export function refuseUnsupported(vendor: string, supported: ReadonlySet<OutboundFeature>, content: OutboundContent): void {
  const missing = outboundFeaturesOf(content).filter((feature) => !supported.has(feature));
  if (missing.length === 0) return;
  throw new VendorError({ vendorCode: UNSUPPORTED_CONTENT, message: `${vendor} cannot send ${missing.join(' or ')} messages on this provider` });
}
