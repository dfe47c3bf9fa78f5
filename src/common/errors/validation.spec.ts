import { nulFields } from './validation';

describe('nulFields', () => {
  it('names every string holding a NUL, as a dotted path', () => {
    expect(
      nulFields(
        { name: 'a\u0000b', ok: 'fine', template: { parameters: ['x', 'y\u0000'] }, credentials: { token: '\u0000' }, n: 1, none: null },
        '',
      ),
    ).toEqual({
      name: 'must not contain NUL characters',
      'template.parameters.1': 'must not contain NUL characters',
      'credentials.token': 'must not contain NUL characters',
    });
  });

  it('names the object holding a key with a NUL, and bare values by their root', () => {
    expect(nulFields({ parameters: { 'na\u0000me': 'x' } }, '')).toEqual({ parameters: 'must not contain NUL characters' });
    expect(nulFields({ 'a\u0000': 1 }, '')).toEqual({ body: 'must not contain NUL characters' });
    expect(nulFields('id\u0000', 'id')).toEqual({ id: 'must not contain NUL characters' });
  });

  it('passes clean input and leaves bytes alone', () => {
    expect(nulFields({ a: ['b', { c: 'd' }], e: 'ünïcode 😀' }, '')).toEqual({});
    expect(nulFields(Buffer.from([0, 1, 2]), '')).toEqual({});
    expect(nulFields(undefined, '')).toEqual({});
  });
});
