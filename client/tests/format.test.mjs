import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAsOf } from '../format.js';

test('formatAsOf() gives the time alone for today, with the day for an earlier one', () => {
  const now = new Date(2030, 4, 17, 18, 5).getTime();
  const today = formatAsOf(new Date(2030, 4, 17, 14, 32).getTime(), now);
  assert.match(today, /14:32|2:32/);
  assert.doesNotMatch(today, /May|17/);
  const earlier = formatAsOf(new Date(2030, 4, 16, 23, 59).getTime(), now);
  assert.match(earlier, /May 16/);
  assert.match(earlier, /23:59|11:59/);
});
