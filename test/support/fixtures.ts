import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Vendor payload fixtures, kept in the repository (test/fixtures) so that a fresh clone tests on its own. */
export const FIXTURES = join(__dirname, '..', 'fixtures');

export function fixture(path: string): Buffer {
  return readFileSync(join(FIXTURES, path));
}

export function fixtureText(path: string): string {
  return fixture(path).toString('utf8');
}

export function fixtureJson<T = any>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}
