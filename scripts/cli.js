#!/usr/bin/env node
// Runs the compiled CLI, building it first on a fresh checkout or when src/ or migrations/ changed since the
// last build. Build output goes to stderr so that stdout carries exactly the one JSON document the CLI prints.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'cli.js');

/** The newest modification time of any file under a folder (0 when it does not exist, e.g. in the image). */
function newest(folder) {
  if (!existsSync(folder)) return 0;
  let latest = 0;
  for (const item of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, item.name);
    latest = Math.max(latest, item.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const stale = !existsSync(entry) || Math.max(newest(join(root, 'src')), newest(join(root, 'migrations'))) > statSync(entry).mtimeMs;
if (stale) {
  const build = spawnSync('npx', ['nest', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
require(entry);
