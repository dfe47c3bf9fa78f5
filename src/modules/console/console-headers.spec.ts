import { consoleHeaders, IMMUTABLE, isConsolePath, REVALIDATE } from './console-headers';

describe('console headers', () => {
  it.each([
    ['/console', true],
    ['/console/', true],
    ['/console?x=1', true],
    ['/console/inbox/42', true],
    ['/consoles', false],
    ['/api/v1/console', false],
    ['/', false],
  ])('%s is a console path: %s', (url, expected) => {
    expect(isConsolePath(url)).toBe(expected);
  });

  it('makes only existing hashed assets immutable', () => {
    expect(consoleHeaders('/console/assets/index-3f9a.js', 200)['cache-control']).toBe(IMMUTABLE);
    expect(consoleHeaders('/console/assets/index-3f9a.js', 304)['cache-control']).toBe(IMMUTABLE);
    expect(consoleHeaders('/console/assets/index-3f9a.js', 404)['cache-control']).toBe(REVALIDATE);
    expect(consoleHeaders('/console/*', 200)['cache-control']).toBe(REVALIDATE);
    expect(consoleHeaders('/console/', 200)['cache-control']).toBe(REVALIDATE);
    expect(consoleHeaders('/console/index.html', 200)['cache-control']).toBe(REVALIDATE);
    expect(consoleHeaders(undefined, 503)['cache-control']).toBe(REVALIDATE);
  });

  it('always sends the security headers', () => {
    expect(consoleHeaders('/console/', 200)).toMatchObject({
      'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  });
});
