import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  user: string;
  password: string;
}

/**
 * Whether an `Authorization` header carries exactly these HTTP Basic credentials. Both parts are compared as
 * SHA-256 digests (fixed length, so timingSafeEqual never sees different lengths and the comparison time does
 * not reveal how long the expected values are), and both comparisons always run.
 */
export function basicCredentialsMatch(header: string | undefined, expected: BasicCredentials): boolean {
  const given = parseBasic(header);
  const userMatches = timingSafeEqual(digest(given?.user ?? ''), digest(expected.user));
  const passwordMatches = timingSafeEqual(digest(given?.password ?? ''), digest(expected.password));
  return given !== null && userMatches && passwordMatches;
}

function parseBasic(header: string | undefined): BasicCredentials | null {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return null;
  return { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
