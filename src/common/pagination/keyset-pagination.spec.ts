import { ValidationFailedError } from '../errors/domain-error';
import { decodeCursor, encodeCursor } from './keyset-pagination';

describe('keyset cursors', () => {
  it('round-trip an opaque position', () => {
    const cursor = encodeCursor({ s: '2026-11-21T10:00:00.123Z', i: '6f1c2a4e-0000-4000-8000-000000000001' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ s: '2026-11-21T10:00:00.123Z', i: '6f1c2a4e-0000-4000-8000-000000000001' });
  });

  const id = '6f1c2a4e-0000-4000-8000-000000000001';
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each([
    '',
    'not-a-cursor',
    Buffer.from('{"s":1}').toString('base64url'),
    Buffer.from('[1,2]').toString('base64url'),
    cursorOf({ s: 'abc', i: 'x' }),
    cursorOf({ s: 1e300, i: id }),
    cursorOf({ s: '2026-02-30T10:00:00.000Z', i: id }),
    cursorOf({ s: '0000-01-01T00:00:00.000Z', i: id }),
    cursorOf({ s: '2026-11-21T10:00:00Z', i: id }),
    cursorOf({ s: '2026-11-21T10:00:00.123Z\u0000', i: id }),
    cursorOf({ s: '2026-11-21T10:00:00.123Z', i: 'x' }),
    cursorOf({ s: '2026-11-21T10:00:00.123Z', i: id, extra: 1 }),
    cursorOf(null),
  ])(
    'rejects %j with validationFailed naming the cursor',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(ValidationFailedError);
      try {
        decodeCursor(cursor);
      } catch (e) {
        expect((e as ValidationFailedError).details).toEqual({ fields: { cursor: expect.any(String) } });
      }
    },
  );
});
