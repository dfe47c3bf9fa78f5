import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shared vendor fixtures (../shared/fixtures beside the repository). */
export const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures');

export function fixture(path: string): Buffer {
  return readFileSync(join(FIXTURES, path));
}

export function fixtureText(path: string): string {
  return fixture(path).toString('utf8');
}

export function fixtureJson<T = any>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}
