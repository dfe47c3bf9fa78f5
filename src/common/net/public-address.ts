import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not on the public internet, for error messages. */
export type NonPublicKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade NAT'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'documentation'
  | 'reserved';

type Range = [prefix: number[], bits: number, kind: NonPublicKind];

// IANA's special-purpose registries, minus the ranges that are globally reachable.
const IPV4_RANGES: Range[] = [
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'carrier-grade NAT'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const IPV6_RANGES: Range[] = [
  [bytes6('::'), 128, 'unspecified'],
  [bytes6('::1'), 128, 'loopback'],
  [bytes6('64:ff9b:1::'), 48, 'reserved'],
  [bytes6('100::'), 64, 'reserved'],
  [bytes6('2001:db8::'), 32, 'documentation'],
  [bytes6('fc00::'), 7, 'unique-local'],
  [bytes6('fe80::'), 10, 'link-local'],
  [bytes6('fec0::'), 10, 'site-local'],
  [bytes6('ff00::'), 8, 'multicast'],
];

const GLOBAL_UNICAST = bytes6('2000::');

/** IPv6 forms that carry an IPv4 address, which is what they reach: [prefix, bits, offset of the IPv4 bytes]. */
const IPV4_CARRIERS: [number[], number, number][] = [
  [bytes6('::ffff:0:0'), 96, 12], // IPv4-mapped
  [bytes6('64:ff9b::'), 96, 12], // NAT64 well-known prefix
  [bytes6('::'), 96, 12], // IPv4-compatible (deprecated), after :: and ::1 above
  [bytes6('2002::'), 16, 2], // 6to4
];

/**
 * Why an IP address (v4, or v6 with or without brackets and zone) is not a public internet address, or null
 * when it is one. An IPv6 address embedding an IPv4 one (mapped, NAT64, compatible, 6to4) is judged by the
 * IPv4 address it reaches. Throws on something that is not an IP address.
 */
export function nonPublicKind(address: string): NonPublicKind | null {
  const text = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(text)) return match(text.split('.').map(Number), IPV4_RANGES);
  if (!isIPv6(text)) throw new Error(`not an IP address: ${address}`);
  const bytes = bytes6(text);
  const own = match(bytes, IPV6_RANGES);
  if (own) return own;
  for (const [prefix, bits, offset] of IPV4_CARRIERS) {
    if (inRange(bytes, prefix, bits)) return match(bytes.slice(offset, offset + 4), IPV4_RANGES);
  }
  // Only 2000::/3 is allocated as global unicast; the rest is unassigned or special.
  return inRange(bytes, GLOBAL_UNICAST, 3) ? null : 'reserved';
}

function match(bytes: number[], ranges: Range[]): NonPublicKind | null {
  return ranges.find(([prefix, bits]) => inRange(bytes, prefix, bits))?.[2] ?? null;
}

function inRange(bytes: number[], prefix: number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if ((bytes[bit / 8] & mask) !== (prefix[bit / 8] & mask)) return false;
  }
  return true;
}

/** The 16 bytes of a valid IPv6 address (`::` shorthand and a trailing dotted IPv4 part allowed). */
function bytes6(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}
