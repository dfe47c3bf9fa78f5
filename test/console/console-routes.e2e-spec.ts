import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROUTES } from '../../console/src/api/routes';
import { ROOT } from '../support/spawn';
import { startTestApp, type TestApp } from '../support/test-app';

const CONSOLE_SRC = join(ROOT, 'console', 'src');
const ROUTES_FILE = join(CONSOLE_SRC, 'api', 'routes.ts');
const API_DIR = join(CONSOLE_SRC, 'api');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    // Unit specs compare routeUrl's output with literal paths; they call nothing.
    return /\.tsx?$/.test(entry.name) && !/\.spec\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** `file:line: text` of every line of the console's code (outside `except`) that matches the pattern. */
function linesMatching(pattern: RegExp, except: (file: string) => boolean): string[] {
  return sourceFiles(CONSOLE_SRC)
    .filter((file) => !except(file))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (pattern.test(line) ? [`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
}

describe('the console calls only the documented public API', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    t = await startTestApp();
    paths = ((await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> }).paths;
  });
  afterAll(() => t.close());

  it('every route of console/src/api/routes.ts is an operation of GET /docs-json', () => {
    const entries = Object.entries(ROUTES);
    expect(entries.length).toBeGreaterThan(0);
    const undocumented = entries
      .filter(([, route]) => paths[route.path]?.[route.method.toLowerCase()] === undefined)
      .map(([name, route]) => `${name}: ${route.method} ${route.path}`);
    expect(undocumented).toEqual([]);
  });

  it('no code outside routes.ts names an /api/ path, and only the API client calls fetch', () => {
    // A quoted string or template literal starting with /api/ would be a call that bypasses the table.
    expect(linesMatching(/['"`]\/api\//, (file) => file === ROUTES_FILE)).toEqual([]);
    expect(linesMatching(/\bfetch\(|\bXMLHttpRequest\b/, (file) => file.startsWith(`${API_DIR}/`))).toEqual([]);
  });

  it('the source scan sees the console (a wrong folder would pass the check above vacuously)', () => {
    const files = sourceFiles(CONSOLE_SRC).map((file) => relative(CONSOLE_SRC, file));
    expect(files).toEqual(expect.arrayContaining(['api/routes.ts', 'api/client.ts', 'main.tsx']));
    expect(linesMatching(/['"`]\/api\//, () => false).some((line) => line.startsWith('console/src/api/routes.ts:'))).toBe(true);
  });
});
