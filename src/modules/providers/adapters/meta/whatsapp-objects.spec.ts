import { whatsAppContent, whatsAppContext, whatsAppReferral } from './whatsapp-objects';

describe('WhatsApp message objects', () => {
  describe('whatsAppContent', () => {
    it.each([
      [{ type: 'text', text: { body: 'Hoi' } }, { type: 'text', text: 'Hoi' }],
      [
        { type: 'video', video: { id: 'v1', mime_type: 'video/mp4', sha256: 'h', caption: 'look' } },
        { type: 'video', media: { id: 'v1', mimeType: 'video/mp4', sha256: 'h' }, caption: 'look' },
      ],
      [
        { type: 'audio', audio: { id: 'a1', mime_type: 'audio/ogg; codecs=opus', sha256: 'h', voice: true } },
        { type: 'audio', media: { id: 'a1', mimeType: 'audio/ogg; codecs=opus', sha256: 'h' } },
      ],
      [
        { type: 'document', document: { id: 'd1', mime_type: 'application/pdf', sha256: 'h', filename: 'invoice.pdf', caption: 'Invoice' } },
        { type: 'document', media: { id: 'd1', mimeType: 'application/pdf', sha256: 'h' }, caption: 'Invoice', filename: 'invoice.pdf' },
      ],
      [
        { type: 'sticker', sticker: { id: 's1', mime_type: 'image/webp', sha256: 'h', animated: false } },
        { type: 'sticker', media: { id: 's1', mimeType: 'image/webp', sha256: 'h' } },
      ],
      [
        { type: 'location', location: { latitude: 52.37, longitude: 4.89, name: 'Dam', address: 'Dam 1, Amsterdam' } },
        { type: 'location', latitude: 52.37, longitude: 4.89, name: 'Dam', address: 'Dam 1, Amsterdam' },
      ],
      [
        { type: 'location', location: { latitude: '52.37', longitude: '4.89' } },
        { type: 'location', latitude: 52.37, longitude: 4.89 },
      ],
      [
        { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } },
        { type: 'interactive', kind: 'button_reply', id: 'yes', title: 'Yes' },
      ],
      [
        { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'slot-2', title: 'Tuesday 10:00', description: '1 h' } } },
        { type: 'interactive', kind: 'list_reply', id: 'slot-2', title: 'Tuesday 10:00', description: '1 h' },
      ],
      [
        { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t-1","size":"M"}' } } },
        { type: 'interactive', kind: 'flow_reply', id: 't-1', title: 'Sent', response: { flow_token: 't-1', size: 'M' } },
      ],
      [
        { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { response_json: 'not json' } } },
        { type: 'interactive', kind: 'flow_reply', id: 'flow', title: 'flow' },
      ],
      [
        { type: 'button', button: { payload: 'STOP_PROMOS', text: 'Stop promotions' } },
        { type: 'button', payload: 'STOP_PROMOS', text: 'Stop promotions' },
      ],
      [
        { type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' } },
        { type: 'reaction', emoji: '👍', targetVendorMessageId: 'wamid.x' },
      ],
      [{ type: 'reaction', reaction: { message_id: 'wamid.x' } }, { type: 'reaction', emoji: '', targetVendorMessageId: 'wamid.x' }],
      [
        { type: 'contacts', contacts: [{ name: { first_name: 'Ada', last_name: 'Lovelace' }, phones: [{ wa_id: '447700900123' }], emails: [] }] },
        { type: 'contacts', contacts: [{ name: 'Ada Lovelace', phones: ['447700900123'], emails: [] }] },
      ],
      [
        { type: 'order', order: { catalog_id: 1, product_items: [{ product_retailer_id: 'A', quantity: '3', item_price: '0.10', currency: 'usd' }] } },
        { type: 'order', catalogId: '1', items: [{ productId: 'A', quantity: 3, price: '0.10', currency: 'USD' }] },
      ],
      [
        { type: 'system', system: { body: 'User A changed from 1 to 2', new_wa_id: '2', type: 'customer_changed_number' } },
        { type: 'system', kind: 'user_changed_number', text: 'User A changed from 1 to 2', newWaId: '2' },
      ],
      [
        { type: 'system', system: { body: 'User ID changed', user_id: 'US.2', type: 'user_changed_user_id' } },
        { type: 'system', kind: 'user_changed_user_id', text: 'User ID changed', newUserId: 'US.2' },
      ],
    ])('reads %j', (message, content) => {
      expect(whatsAppContent(message)).toEqual(content);
    });

    it.each([
      [{ type: 'unsupported', errors: [{ code: 131051 }] }, 'unsupported'],
      [{ type: 'brand_new_type', brand_new_type: {} }, 'brand_new_type'],
      [{ type: 'interactive', interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept' } } }, 'interactive.call_permission_reply'],
      [{ type: 'reaction', reaction: { emoji: '👍' } }, 'reaction'],
      [{ type: 'contacts', contacts: [] }, 'contacts'],
      [{ type: 'location', location: { name: 'no coordinates' } }, 'location'],
      [{}, 'unknown'],
    ])('keeps %j whole as unsupported %s', (message, rawType) => {
      expect(whatsAppContent(message)).toEqual({ type: 'unsupported', rawType, raw: message });
    });

    it('keeps an item price given as a float as the decimal Meta wrote', () => {
      const content = whatsAppContent({
        type: 'order',
        order: { catalog_id: '9', product_items: [{ product_retailer_id: 'X', quantity: 1, item_price: 0.1, currency: 'EUR' }, { product_retailer_id: 'Y', item_price: 1e-7, currency: 'EUR' }] },
      });
      expect(content).toEqual({
        type: 'order',
        catalogId: '9',
        items: [
          { productId: 'X', quantity: 1, price: '0.1', currency: 'EUR' },
          { productId: 'Y', quantity: 1, price: '0.0000001', currency: 'EUR' },
        ],
      });
    });
  });

  describe('context and referral', () => {
    it('reads a quoted message, forward flags and a referred product', () => {
      expect(whatsAppContext({ from: '15550783881', id: 'wamid.q', forwarded: true, frequently_forwarded: true, referred_product: { catalog_id: '1', product_retailer_id: 'SKU' } })).toEqual({
        replyToVendorMessageId: 'wamid.q',
        replyToFrom: '15550783881',
        forwarded: true,
        frequentlyForwarded: true,
        referredProduct: { catalogId: '1', productId: 'SKU' },
      });
      expect(whatsAppContext({ forwarded: false })).toBeUndefined();
      expect(whatsAppContext(undefined)).toBeUndefined();
    });

    it('reads a click-to-WhatsApp referral, empty strings standing in for absent fields', () => {
      expect(whatsAppReferral({ source_type: 'post', source_id: 42, source_url: 'https://fb.me/x' })).toEqual({
        sourceType: 'post',
        sourceId: '42',
        sourceUrl: 'https://fb.me/x',
        headline: '',
        body: '',
      });
      expect(whatsAppReferral({ headline: 'only a headline' })).toBeUndefined();
    });
  });
});
