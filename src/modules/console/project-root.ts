import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'parley';

/**
 * The folder holding Parley's package.json, found by walking up from `from`: the same answer from src/ under
 * ts-jest and from dist/src/ in production, whatever the working directory. The console workspace's own
 * package.json (another name) is passed over.
 */
export function findProjectRoot(from: string = __dirname): string {
  for (let folder = from; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && nameOf(manifest) === PACKAGE_NAME) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json named "${PACKAGE_NAME}" above ${from}`);
  }
}

function nameOf(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
