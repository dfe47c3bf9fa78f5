// One `npm test` runs unit specs (next to the code) and e2e specs (test/) against a fresh PostgreSQL
// database and a unique Redis key prefix created by test/support/global-setup.ts.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

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
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
