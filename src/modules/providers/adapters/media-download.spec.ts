import { providerContext } from '../../../../test/support/provider-context';
import { MEDIA_REF_REFUSED } from './channel-adapter';
import { allowedMediaUrl, fileNameOf } from './media-download';
import { VendorError } from './vendor-error';

describe('allowedMediaUrl', () => {
  const live = providerContext('cm-com', 'whatsapp-bsp', { credentials: { productToken: 't' } });
  const proxied = providerContext('cm-com', 'whatsapp-bsp', { credentials: { productToken: 't', apiBaseUrl: 'http://127.0.0.1:4010/base' } });
  const hosts = ['lookaside.fbsbx.com', '.messaging.cm.com'];

  const refusal = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      if (!(e instanceof VendorError) || e.info.vendorCode !== MEDIA_REF_REFUSED) throw e;
      return e.message;
    }
  };

  it.each(['https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1', 'https://cdn-2.messaging.cm.com/fileproxy/files/x', 'https://LOOKASIDE.fbsbx.com./a'])(
    'takes %s on a vendor media host',
    (url) => {
      expect(allowedMediaUrl(live, 'cm-com', url, hosts).toString()).toBe(new URL(url).toString());
    },
  );

  it.each([
    ['http://lookaside.fbsbx.com/a', /not https/],
    ['https://lookaside.fbsbx.com.attacker.example/a', /media hosts/],
    ['https://messaging.cm.com/a', /media hosts/],
    ['https://evilmessaging.cm.com/a', /media hosts/],
    ['https://user:pw@lookaside.fbsbx.com/a', /credentials of its own/],
    ['/relative', /not an absolute URL/],
  ])('refuses %s', (url, why) => {
    expect(refusal(() => allowedMediaUrl(live, 'cm-com', url, hosts))).toMatch(why);
  });

  it("with apiBaseUrl takes that origin only, even over the vendor's hosts", () => {
    expect(allowedMediaUrl(proxied, 'cm-com', 'http://127.0.0.1:4010/other/path', hosts).pathname).toBe('/other/path');
    expect(refusal(() => allowedMediaUrl(proxied, 'cm-com', 'https://cdn-2.messaging.cm.com/x', hosts))).toMatch(/apiBaseUrl/);
    expect(refusal(() => allowedMediaUrl(proxied, 'cm-com', 'http://127.0.0.1:4011/x', hosts))).toMatch(/apiBaseUrl/);
  });
});

describe('fileNameOf', () => {
  it.each([
    ['attachment; filename="receipt.pdf"', 'receipt.pdf'],
    ['inline; filename=plain.jpg', 'plain.jpg'],
    [`attachment; filename="fallback.pdf"; filename*=UTF-8''Re%C3%A7u.pdf`, 'Reçu.pdf'],
    ['attachment; filename="a \\"quoted\\" name.txt"', 'a "quoted" name.txt'],
    ['attachment', undefined],
    [undefined, undefined],
  ])('reads %s', (header, name) => {
    expect(fileNameOf(header)).toBe(name);
  });
});
