import TestRunner from 'jest-runner';

/**
 * Jest's own runner, declared serial: its files run one at a time with nothing else of the run beside them
 * (Jest finishes one runner's files before it starts the next runner's). For the few e2e files that assert
 * wall-clock latencies or race real timers: they prove what they claim only on a machine they have to themselves.
 */
export default class SerialTestRunner extends TestRunner {
  override readonly isSerial = true;
}
