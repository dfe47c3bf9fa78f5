import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONSOLE_DIST } from '../support/console-build';

/** The JavaScript a first visit downloads, gzipped at level 9, must stay under this (the budget). */
const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;
const BASE = '/console/';
const ASSETS = join(CONSOLE_DIST, 'assets');

/** The value of an attribute of one HTML tag, or undefined. */
function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
}

/** The file in console/dist a URL of index.html points at (Vite writes them under the `/console/` base). */
function distFile(url: string): string {
  if (!url.startsWith(BASE)) throw new Error(`${url} is not under the console's base ${BASE}`);
  return join(CONSOLE_DIST, url.slice(BASE.length));
}

/** Static imports of a built module (`import"./x.js"`, `from"./x.js"`); `import("./x.js")` is a lazy chunk and not followed. */
function staticImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\/[^"']+\.js)["']/g)].map((m) => join(file, '..', m[1]));
}

/** Entry scripts and module preloads of index.html, with everything they import statically. */
function firstLoad(): string[] {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const start: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    const src = attribute(tag, 'src');
    if (attribute(tag, 'type') === 'module' && src) start.push(distFile(src));
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const href = attribute(tag, 'href');
    if (attribute(tag, 'rel') === 'modulepreload' && href) start.push(distFile(href));
  }
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...staticImports(file));
  }
  return [...seen];
}

const gzipped = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

describe('console bundle (console/dist as `npm run build` leaves it)', () => {
  it('has been built', () => {
    expect(existsSync(join(CONSOLE_DIST, 'index.html'))).toBe(true);
  });

  it(`the first load is under ${FIRST_LOAD_BUDGET_BYTES / 1024} KB of JavaScript gzipped`, () => {
    const files = firstLoad();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(file)).toBe(true);
    const sizes = files.map((file) => ({ file: file.slice(CONSOLE_DIST.length + 1), gzipped: gzipped(file) }));
    const total = sizes.reduce((sum, s) => sum + s.gzipped, 0);
    console.log(
      `console first load: ${(total / 1024).toFixed(1)} KB gzipped (level 9) in ${files.length} file(s): ` +
        sizes.map((s) => `${s.file} ${(s.gzipped / 1024).toFixed(1)} KB`).join(', '),
    );
    expect(total).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
  });

  it('the admin area is a lazy chunk, not part of the first load', () => {
    const adminChunks = readdirSync(ASSETS).filter((name) => /^admin-.*\.js$/.test(name));
    // Without the split there would be no such chunk, and the check below would hold vacuously.
    expect(adminChunks).not.toEqual([]);
    const loaded = firstLoad().map((file) => file.slice(ASSETS.length + 1));
    expect(loaded.filter((name) => adminChunks.includes(name))).toEqual([]);
  });
});
