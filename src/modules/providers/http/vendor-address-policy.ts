import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { isIP } from 'node:net';
import { nonPublicKind } from '../../../common/net/public-address';

const HOW_TO_ALLOW = 'ALLOW_PRIVATE_VENDOR_URLS=true allows it for tests and private deployments';
/** How long saving a provider waits for DNS before accepting the name (the transport checks again anyway). */
const SAVE_LOOKUP_TIMEOUT_MS = 3_000;

/** A vendor call Parley refused to make: the target is not public https. Nothing was sent. */
export class VendorAddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VendorAddressRefused';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Where vendor calls may go. Tenant admins choose `credentials.apiBaseUrl`, and Parley calls it with the
 * vendor's credentials and reports what answered: unless the operator allows private URLs, a vendor URL must
 * be https and every address it resolves to public. Checked when a provider is saved (a clear 400) and on
 * every connection, through the transport's DNS lookup, so that the address checked is the address connected
 * to and a name re-pointed after saving (DNS rebinding) is refused too.
 */
export class VendorAddressPolicy {
  constructor(readonly allowPrivate: boolean) {}

  /** No restriction: hand-built transports in unit specs, which talk to fakes on 127.0.0.1. */
  static unrestricted(): VendorAddressPolicy {
    return new VendorAddressPolicy(true);
  }

  /** Why this apiBaseUrl cannot be saved, or null. Resolves the host name. */
  async baseUrlProblem(url: string): Promise<string | null> {
    if (this.allowPrivate) return null;
    const target = new URL(url);
    if (target.protocol !== 'https:') return `must be an https URL (${HOW_TO_ALLOW})`;
    const host = bareHost(target.hostname);
    // localhost never leaves the machine (RFC 6761), whatever a resolver would say.
    const literal = isIP(host) ? nonPublicKind(host) : host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : undefined;
    if (literal) return `must not point at a ${literal} address (${HOW_TO_ALLOW})`;
    if (literal === null) return null;
    const resolved = await resolveWithin(target.hostname, SAVE_LOOKUP_TIMEOUT_MS);
    const kind = resolved.map((a) => nonPublicKind(a.address)).find((k) => k !== null);
    return kind ? `must not resolve to a ${kind} address (${HOW_TO_ALLOW})` : null;
  }

  /**
   * Throws VendorAddressRefused for a target that may not be called. IP literals are judged here (sockets skip
   * the lookup for them); names are judged by `lookup` when the transport connects.
   */
  assertCallable(target: URL): void {
    if (this.allowPrivate) return;
    if (target.protocol !== 'https:') throw refused(target.hostname, 'is not https');
    const host = bareHost(target.hostname);
    const kind = isIP(host) ? nonPublicKind(host) : null;
    if (kind) throw refused(target.hostname, `is a ${kind} address`);
  }

  /**
   * A `dns.lookup` for the transport's sockets: resolves, then refuses the connection when any address is not
   * public (a name with one public and one private address is not a vendor's).
   */
  readonly lookup = (hostname: string, options: LookupAllOptions | object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const kind = addresses.map((a) => nonPublicKind(a.address)).find((k) => k !== null);
      if (kind) return callback(refused(hostname, `resolves to a ${kind} address`), []);
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** A URL's hostname without IPv6 brackets or a trailing dot, in lower case. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

function refused(host: string, why: string): VendorAddressRefused {
  return new VendorAddressRefused(`Vendor URLs must be public https (${HOW_TO_ALLOW}); ${host} ${why}`);
}

/** The host's addresses, or none when it does not resolve in time (nothing to refuse yet). */
async function resolveWithin(hostname: string, timeoutMs: number): Promise<LookupAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LookupAddress[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    return await Promise.race([lookupAll(hostname, { all: true }).catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
