import { BlockList, isIP } from 'node:net';

/**
 * Source-IP allowlists (CIDR blocks) for vendors that do not sign their webhooks. Parsed once per provider
 * object: the provider cache hands out the same object until the provider changes, so a check is a lookup.
 */
const parsed = new WeakMap<object, BlockList>();

/** Whether `ip` may post webhooks for a provider with these blocks; null or empty blocks: any address may. */
export function allowsSource(owner: object, blocks: readonly string[] | null, ip: string): boolean {
  if (!blocks || blocks.length === 0) return true;
  let list = parsed.get(owner);
  if (!list) {
    list = new BlockList();
    for (const block of blocks) {
      const [address, prefix] = block.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      list.addSubnet(address, Number(prefix ?? (family === 'ipv6' ? 128 : 32)), family);
    }
    parsed.set(owner, list);
  }
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * An address or CIDR block as PostgreSQL's cidr takes it (`1.2.3.4` is `1.2.3.4/32`), or the problem with it.
 * Like PostgreSQL, a block with bits set right of its mask is refused rather than silently widened.
 */
export function parseCidr(input: string): { cidr: string } | { problem: string } {
  const [address, prefixText, extra] = input.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return { problem: 'must be an IPv4 or IPv6 address or CIDR block' };
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { problem: 'must be an IPv4 or IPv6 address or CIDR block' };
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return { problem: `has a prefix longer than ${bits} bits` };
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  const hostBits = BigInt(bits - prefix);
  if ((value & ((1n << hostBits) - 1n)) !== 0n) {
    return { problem: `has bits set right of the /${prefix} mask` };
  }
  return { cidr: `${address.toLowerCase()}/${prefix}` };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** 128-bit value of a valid IPv6 address (isIP checked it), `::` and a trailing dotted IPv4 included. */
function ipv6Value(address: string): bigint {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Value(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
