import { basicCredentialsMatch } from './basic-auth';

const expected = { user: 'ops', password: 'correct horse battery' };
const basic = (value: string) => `Basic ${Buffer.from(value, 'utf8').toString('base64')}`;

describe('basicCredentialsMatch', () => {
  it('accepts exactly the configured user and password', () => {
    expect(basicCredentialsMatch(basic('ops:correct horse battery'), expected)).toBe(true);
    expect(basicCredentialsMatch(basic('ops:correct horse battery').replace('Basic', 'basic'), expected)).toBe(true);
  });

  it('keeps colons after the first one in the password', () => {
    expect(basicCredentialsMatch(basic('ops:a:b'), { user: 'ops', password: 'a:b' })).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a bearer token', 'Bearer abc'],
    ['a wrong password', basic('ops:correct horse batter')],
    ['a longer password', basic('ops:correct horse battery!')],
    ['a wrong user', basic('Ops:correct horse battery')],
    ['no colon', basic('opscorrect horse battery')],
    ['swapped parts', basic('correct horse battery:ops')],
    ['an empty pair', basic(':')],
    ['not base64', 'Basic !!!'],
  ])('refuses %s', (_, header) => {
    expect(basicCredentialsMatch(header, expected)).toBe(false);
  });
});
