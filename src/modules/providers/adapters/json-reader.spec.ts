import { asNumeric, asString, lookup } from './json-reader';
import { mimeTypeOf } from './media-types';

describe('json-reader', () => {
  it('looks up only a table’s own entries', () => {
    const table: Record<string, string> = { sent: 'sent' };
    expect(lookup(table, 'sent')).toBe('sent');
    expect(lookup(table, 'constructor')).toBeUndefined();
    expect(lookup(table, 'toString')).toBeUndefined();
    expect(lookup(table, undefined)).toBeUndefined();
  });

  it('reads strings and numbers defensively', () => {
    expect(asString('x')).toBe('x');
    expect(asString('')).toBeUndefined();
    expect(asString(5)).toBeUndefined();
    expect(asNumeric('1.5')).toBe(1.5);
    expect(asNumeric('abc')).toBeUndefined();
  });

  it('never takes a built-in for a MIME type', () => {
    expect(mimeTypeOf('document', 'https://example.com/file.constructor', undefined, { unknownDocumentType: 'application/pdf' })).toBe('application/pdf');
  });
});
