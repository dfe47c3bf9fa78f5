import { throttle } from './throttle';

describe('throttle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the first call at once and folds a burst into one trailing run per interval', () => {
    const action = jest.fn();
    const throttled = throttle(action, 500);
    throttled.run();
    expect(action).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 20; i++) throttled.run();
    expect(action).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(499);
    expect(action).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(action).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(500);
    expect(action).toHaveBeenCalledTimes(2);
    throttled.run();
    expect(action).toHaveBeenCalledTimes(3);
  });

  it('drops the pending run when cancelled', () => {
    const action = jest.fn();
    const throttled = throttle(action, 500);
    throttled.run();
    throttled.run();
    throttled.cancel();
    jest.advanceTimersByTime(1_000);
    expect(action).toHaveBeenCalledTimes(1);
  });
});
