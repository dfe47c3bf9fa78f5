import { createHash } from 'node:crypto';
import { effectiveType, extensionFor } from './content-types';
import { normalizeSha256 } from './media-download.service';
import { parseRange } from './media.controller';

describe('effectiveType', () => {
  it.each([
    ['image/png', 'image/jpeg', { allowed: true, mimeType: 'image/png' }],
    ['application/pdf', undefined, { allowed: true, mimeType: 'application/pdf' }],
    ['audio/x-m4a', 'audio/mp4', { allowed: true, mimeType: 'audio/mp4' }],
    ['application/x-cfb', 'application/msword', { allowed: true, mimeType: 'application/msword' }],
    ['application/x-cfb', 'application/pdf', { allowed: false, reason: 'content type application/x-cfb is not allowed' }],
    ['application/x-msdownload', 'application/pdf', { allowed: false, reason: 'content type application/x-msdownload is not allowed' }],
    [undefined, 'text/plain; charset=UTF-8', { allowed: true, mimeType: 'text/plain' }],
    [undefined, 'text/csv', { allowed: true, mimeType: 'text/csv' }],
    [undefined, 'application/pdf', { allowed: false, reason: "the file's bytes do not match its type application/pdf" }],
    [undefined, undefined, { allowed: false, reason: "the file's bytes are of no allowed type" }],
    [undefined, 'text/html', { allowed: false, reason: "the file's bytes do not match its type text/html" }],
  ])('sniffed %s labelled %s', (sniffed, label, expected) => {
    expect(effectiveType(sniffed, label)).toEqual(expected);
  });

  it('names extensions for stored types', () => {
    expect(extensionFor('image/jpeg')).toBe('jpg');
    expect(extensionFor('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe('docx');
    expect(extensionFor('application/x-unknown')).toBeUndefined();
  });
});

describe('normalizeSha256', () => {
  const digest = createHash('sha256').update('receipt').digest();

  it('reads hex in either case and base64 (padded, unpadded, url-safe) as lower-case hex', () => {
    const hex = digest.toString('hex');
    expect(normalizeSha256(hex)).toBe(hex);
    expect(normalizeSha256(hex.toUpperCase())).toBe(hex);
    expect(normalizeSha256(digest.toString('base64'))).toBe(hex);
    expect(normalizeSha256(digest.toString('base64').replace(/=$/, ''))).toBe(hex);
    expect(normalizeSha256(digest.toString('base64url'))).toBe(hex);
  });

  it('answers null for anything else', () => {
    expect(normalizeSha256('abc=')).toBeNull();
    expect(normalizeSha256(digest.toString('hex').slice(2))).toBeNull();
    expect(normalizeSha256('')).toBeNull();
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, { kind: 'whole' }],
    ['bytes=0-99', { kind: 'range', range: { start: 0, end: 99 } }],
    ['bytes=900-', { kind: 'range', range: { start: 900, end: 999 } }],
    ['bytes=900-5000', { kind: 'range', range: { start: 900, end: 999 } }],
    ['bytes=-100', { kind: 'range', range: { start: 900, end: 999 } }],
    ['bytes=-5000', { kind: 'range', range: { start: 0, end: 999 } }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=5-2', { kind: 'whole' }],
    ['bytes=0-1,5-6', { kind: 'whole' }],
    ['items=0-1', { kind: 'whole' }],
    ['bytes=-', { kind: 'whole' }],
  ])('%s of 1000 bytes', (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });
});
