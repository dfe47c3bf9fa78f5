import { closeLeftovers } from './open-resources';

// Runs after each test file's own afterAll hooks: whatever a failed set-up left open (a test app, a fake
// vendor started by a helper that then threw) is closed here, so that Jest exits by itself.
afterAll(async () => {
  await closeLeftovers();
});
