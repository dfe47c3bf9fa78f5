#!/usr/bin/env node
// Runs the compiled CLI, building it first on a fresh checkout. Build output goes to stderr so that
// stdout carries exactly the one JSON document the CLI prints.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'cli.js');
if (!existsSync(entry)) {
  const build = spawnSync('npx', ['nest', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
require(entry);
