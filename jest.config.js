// One `npm test` runs unit specs (next to the code) and e2e specs (test/) against a fresh PostgreSQL
// database and a unique Redis key prefix created by test/support/global-setup.ts, in parallel workers that
// each have a copy of the database and a prefix of their own (test/support/worker-env.ts).
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // ESM-only dependencies (Node 20 loads them with require(esm); Jest's own loader cannot): compiled to CommonJS.
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true }],
};
/** Packages shipped only as ES modules, transformed by the rule above; everything else in node_modules is not. */
const ESM_ONLY = ['content-disposition'];
const transformIgnorePatterns = [`^(?!.*/node_modules/(${ESM_ONLY.join('|')})/).*/node_modules/`];
/**
 * E2e files that assert how fast something happens (webhook and send latency during an outage, media downloaded
 * within a second, blocked requests answered within 250 ms, vendor calls spaced by a provider's rate limit) or
 * race real timers against a second process: on a machine shared with another worker they fail for want of CPU,
 * not for a fault. test/support/serial-runner.ts runs them one at a time, alone.
 */
const SERIAL_E2E = [
  'test/events/deliveries.e2e-spec.ts',
  'test/foundation/abuse-limits.e2e-spec.ts',
  'test/foundation/redis-outage.e2e-spec.ts',
  'test/media/inbound-media.e2e-spec.ts',
  'test/conversations/worker-kill.e2e-spec.ts',
  'test/conversations/send-rate.e2e-spec.ts',
];
/** Before anything reads DATABASE_URL or QUEUE_PREFIX: the worker's own database and prefix, then quiet logs. */
const setupFiles = ['<rootDir>/test/support/worker-env.ts', '<rootDir>/test/support/quiet-logs.ts'];

module.exports = {
  testTimeout: 30000,
  // Most of a file's time is booting Nest inside Jest's module sandbox (CPU) or waiting on PostgreSQL, Redis and
  // spawned processes: two workers keep two cores busy. The global setup clones one database per worker.
  maxWorkers: 2,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  transform,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      // Closes what a failed set-up left open, so that Jest exits by itself after failing suites.
      setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      // Closes what a failed set-up left open, so that Jest exits by itself after failing suites.
      setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SERIAL_E2E],
    },
    {
      // Wall-clock latency bounds and races against real timers: run alone, after (or before) the parallel files.
      displayName: 'e2e-serial',
      runner: '<rootDir>/test/support/serial-runner.ts',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
      testMatch: SERIAL_E2E.map((file) => `<rootDir>/${file}`),
    },
    {
      // The console's pure rules (compose box, segments): plain functions, tested without a browser.
      displayName: 'console',
      testEnvironment: 'node',
      transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: { jsx: 'react-jsx', module: 'commonjs', esModuleInterop: true, isolatedModules: true } }] },
      testMatch: ['<rootDir>/console/src/**/*.spec.ts'],
    },
    // Failure drills (real processes, minutes of outages): only `npm run test:chaos` runs them.
    ...(process.env.PARLEY_CHAOS === '1'
      ? [
          {
            displayName: 'chaos',
            testEnvironment: 'node',
            transform,
            transformIgnorePatterns,
            setupFiles,
            setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
            testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
          },
        ]
      : []),
  ],
};
