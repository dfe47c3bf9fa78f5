import type { InboundContent } from './channel-adapter';
import { decimalString, inboundText } from './inbound-text';

describe('inboundText', () => {
  it.each<[InboundContent, string]>([
    [{ type: 'text', text: 'Hoi' }, 'Hoi'],
    [{ type: 'text', text: '' }, '[empty message]'],
    [{ type: 'image', media: { id: '1' }, caption: 'my receipt' }, 'my receipt'],
    [{ type: 'image', media: { id: '1' } }, '[image]'],
    [{ type: 'audio', media: { id: '1' } }, '[audio]'],
    [{ type: 'document', media: { id: '1' }, filename: 'factuur.pdf' }, '[document: factuur.pdf]'],
    [{ type: 'sticker', media: { id: '1' } }, '[sticker]'],
    [{ type: 'location', latitude: 52.37, longitude: 4.89, name: 'Dam', address: 'Dam 1' }, '[location: Dam, Dam 1]'],
    [{ type: 'location', latitude: 52.37, longitude: 4.89 }, '[location 52.37, 4.89]'],
    [{ type: 'contacts', contacts: [{ name: 'Jan Jansen', phones: ['+31611122233'], emails: [] }] }, '[contact: Jan Jansen]'],
    [
      {
        type: 'contacts',
        contacts: [
          { name: 'Jan', phones: [], emails: [] },
          { name: '', phones: ['+32470123456'], emails: [] },
        ],
      },
      '[2 contacts: Jan, +32470123456]',
    ],
    [{ type: 'interactive', kind: 'list_reply', id: 'slot-2', title: 'Tuesday 10:00' }, 'Tuesday 10:00'],
    [{ type: 'interactive', kind: 'flow_reply', id: 'flow', title: '' }, '[form answers]'],
    [{ type: 'button', payload: 'STOP', text: 'Stop promotions' }, 'Stop promotions'],
    [{ type: 'reaction', emoji: '👍', targetVendorMessageId: 'wamid.x' }, '[reaction 👍]'],
    [{ type: 'reaction', emoji: '', targetVendorMessageId: 'wamid.x' }, '[reaction removed]'],
    [
      {
        type: 'order',
        catalogId: '1',
        items: [
          { productId: 'A', quantity: 1, price: '1.00', currency: 'EUR' },
          { productId: 'B', quantity: 1, price: '2.00', currency: 'EUR' },
        ],
      },
      '[order: 2 items]',
    ],
    [{ type: 'order', catalogId: '1', text: 'Friday please', items: [{ productId: 'A', quantity: 1, price: '1', currency: 'EUR' }] }, '[order: 1 item] Friday please'],
    [{ type: 'system', kind: 'user_changed_number', text: 'User A changed from 1 to 2' }, 'User A changed from 1 to 2'],
    [{ type: 'unsupported', rawType: 'poll', raw: {} }, '[unsupported message: poll]'],
  ])('%j reads as %s', (content, text) => {
    expect(inboundText(content)).toBe(text);
  });
});

describe('decimalString', () => {
  it.each<[unknown, string | undefined]>([
    ['12.50', '12.50'],
    [' 3 ', '3'],
    [12.5, '12.5'],
    [0.1, '0.1'],
    [1e-7, '0.0000001'],
    [-0.5, '-0.5'],
    ['1,50', undefined],
    ['abc', undefined],
    [Number.NaN, undefined],
    [null, undefined],
  ])('%p → %p', (value, expected) => {
    expect(decimalString(value)).toBe(expected);
  });
});
