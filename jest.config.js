// One `npm test` runs unit specs (next to the code) and e2e specs (test/) against a fresh PostgreSQL
// database and a unique Redis key prefix created by test/support/global-setup.ts.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  // ESM-only dependencies (Node 20 loads them with require(esm); Jest's own loader cannot): compiled to CommonJS.
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true }],
};
/** Packages shipped only as ES modules, transformed by the rule above; everything else in node_modules is not. */
const ESM_ONLY = ['content-disposition'];
const transformIgnorePatterns = [`^(?!.*/node_modules/(${ESM_ONLY.join('|')})/).*/node_modules/`];

module.exports = {
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  transform,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      // Closes what a failed set-up left open, so that Jest exits by itself after failing suites.
      setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      // Closes what a failed set-up left open, so that Jest exits by itself after failing suites.
      setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
    // Failure drills (real processes, minutes of outages): only `npm run test:chaos` runs them.
    ...(process.env.PARLEY_CHAOS === '1'
      ? [
          {
            displayName: 'chaos',
            testEnvironment: 'node',
            transform,
            transformIgnorePatterns,
            setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
            setupFilesAfterEnv: ['<rootDir>/test/support/close-leftovers.ts'],
            testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
          },
        ]
      : []),
  ],
};
