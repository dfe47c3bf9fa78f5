import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot } from './project-root';

describe('findProjectRoot', () => {
  let base: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'parley-root-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('walks up past other packages and unreadable manifests to the one named parley', () => {
    writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'parley' }));
    const workspace = join(base, 'console');
    const deep = join(workspace, 'dist', 'src', 'modules');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'parley-console' }));
    writeFileSync(join(workspace, 'dist', 'package.json'), '{ not json');
    expect(findProjectRoot(deep)).toBe(base);
  });

  it('fails naming the start folder when no such package.json exists', () => {
    expect(() => findProjectRoot(base)).toThrow(base);
  });

  it('finds this checkout from the source folder', () => {
    expect(findProjectRoot()).toBe(join(__dirname, '..', '..', '..'));
  });
});
