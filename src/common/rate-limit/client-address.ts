import { isIPv4 } from 'node:net';

/**
 * The caller's address as limits and allowlists key it: Fastify's request.ip (the peer, or the client a
 * trusted proxy names: TRUST_PROXY), with IPv4-mapped IPv6 (`::ffff:1.2.3.4`, dual-stack sockets) as plain
 * IPv4 so that one client has one key and matches IPv4 CIDRs.
 */
export function clientAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(.+)$/i.exec(ip);
  return mapped && isIPv4(mapped[1]) ? mapped[1] : ip.toLowerCase();
}
