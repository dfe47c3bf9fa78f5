import { exceedsDepth } from './json-depth';

function nestedArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i += 1) value = [value];
  return value;
}

describe('exceedsDepth', () => {
  it('counts arrays and objects as levels, scalars as none', () => {
    expect(exceedsDepth('text', 0)).toBe(false);
    expect(exceedsDepth({ a: 1 }, 1)).toBe(false);
    expect(exceedsDepth({ a: { b: [1] } }, 2)).toBe(true);
    expect(exceedsDepth({ a: { b: [1] } }, 3)).toBe(false);
  });

  it('walks a 100,000-deep array without overflowing the stack', () => {
    expect(exceedsDepth(nestedArray(100_000), 32)).toBe(true);
    expect(exceedsDepth(nestedArray(32), 32)).toBe(false);
  });
});
