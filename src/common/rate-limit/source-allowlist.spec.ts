import { allowsSource, parseCidr } from './source-allowlist';

describe('parseCidr', () => {
  it('takes addresses and blocks as PostgreSQL cidr does', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ cidr: '10.0.0.0/8' });
    expect(parseCidr(' 203.0.113.7 ')).toEqual({ cidr: '203.0.113.7/32' });
    expect(parseCidr('2001:DB8::/32')).toEqual({ cidr: '2001:db8::/32' });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ cidr: '::ffff:10.0.0.0/104' });
  });

  it('refuses host bits right of the mask, long prefixes and non-addresses', () => {
    expect(parseCidr('10.0.0.1/8')).toEqual({ problem: 'has bits set right of the /8 mask' });
    expect(parseCidr('2001:db8::1/64')).toEqual({ problem: 'has bits set right of the /64 mask' });
    expect(parseCidr('10.0.0.0/33')).toEqual({ problem: 'has a prefix longer than 32 bits' });
    expect(parseCidr('example.com')).toHaveProperty('problem');
    expect(parseCidr('10.0.0.0/8/1')).toHaveProperty('problem');
    expect(parseCidr('10.0.0.0/x')).toHaveProperty('problem');
  });
});

describe('allowsSource', () => {
  it('lets any address through without blocks, and only listed ones with them', () => {
    expect(allowsSource({}, null, '198.51.100.1')).toBe(true);
    expect(allowsSource({}, [], '198.51.100.1')).toBe(true);
    const provider = {};
    const blocks = ['203.0.113.0/24', '2001:db8::/32'];
    expect(allowsSource(provider, blocks, '203.0.113.200')).toBe(true);
    expect(allowsSource(provider, blocks, '203.0.114.1')).toBe(false);
    expect(allowsSource(provider, blocks, '2001:db8:1::5')).toBe(true);
    expect(allowsSource(provider, blocks, '2001:db9::5')).toBe(false);
    expect(allowsSource(provider, blocks, 'unknown')).toBe(false);
  });
});
