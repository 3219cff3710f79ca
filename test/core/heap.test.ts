// The collect's heap growth setting: V8's flag set from SOC2_HEAP_GROWING_PERCENT or the default; a bad
// value is a one-line usage error naming the variable (exit 2), never ignored.
import { expect, test } from 'vitest';
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from '../../src/core/heap.js';
import { UsageError } from '../../src/core/errors.js';

test('the default, an override, and 0 for V8 own growth', () => {
  expect(boundHeapGrowth({})).toBe(HEAP_GROWING_PERCENT);
  expect(boundHeapGrowth({ SOC2_HEAP_GROWING_PERCENT: '80' })).toBe(80);
  expect(boundHeapGrowth({ SOC2_HEAP_GROWING_PERCENT: '0' })).toBe(0);
});

test('a bad value names the variable', () => {
  for (const bad of ['-1', '1.5', 'lots', '5000']) {
    expect(() => boundHeapGrowth({ SOC2_HEAP_GROWING_PERCENT: bad })).toThrow(UsageError);
    expect(() => boundHeapGrowth({ SOC2_HEAP_GROWING_PERCENT: bad })).toThrow(/^SOC2_HEAP_GROWING_PERCENT: expected a whole number/);
  }
});
