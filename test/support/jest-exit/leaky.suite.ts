import { FakeVendor } from '../fake-vendor';
import { fixture } from '../fixtures';
import { startTestApp, type TestApp } from '../test-app';

/**
 * Run only by test/foundation/jest-exit.e2e-spec.ts, in a Jest of its own: a suite that fails the way a
 * suite fails from a clone without its fixtures, leaving open what it opened. Jest must still exit.
 */
describe('a suite whose set-up fails half-way', () => {
  let t: TestApp;
  let vendor: FakeVendor | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    // A helper that starts a fake vendor, then reads a fixture that is not there.
    const fake = await FakeVendor.start();
    fake.on('GET', '/templates', { status: 200, json: JSON.parse(fixture('no-such-vendor/no-such-fixture.json').toString()) });
    vendor = fake;
  });
  // Written as suites often are: the first close throws (nothing was assigned), so the app is never closed here.
  afterAll(async () => {
    await vendor!.close();
    await t.close();
  });

  it('never gets to run', () => {
    expect(vendor).toBeDefined();
  });
});
