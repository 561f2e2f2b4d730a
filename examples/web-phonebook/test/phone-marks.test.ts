/** The page's per-call marks (phone-marks.ts): found by call id, and bounded for a page open for days. */
import { describe, expect, it } from 'vitest';
import { callMarks, emptyMarks, MAX_CALL_MARKS } from '../src/page/phone-marks.js';

describe('per-call marks', () => {
  it('keeps each call apart by its id', () => {
    const marks = emptyMarks();
    callMarks(marks, 'aa').boundAt = 1;
    callMarks(marks, 'bb').boundAt = 2;
    callMarks(marks, 'aa').firstFrameAt = 3;
    expect(marks.calls).toEqual([
      { callId: 'aa', boundAt: 1, firstFrameAt: 3 },
      { callId: 'bb', boundAt: 2, firstFrameAt: undefined },
    ]);
  });

  it(`keeps the newest ${MAX_CALL_MARKS} calls only`, () => {
    const marks = emptyMarks();
    for (let i = 0; i < MAX_CALL_MARKS + 10; i++) callMarks(marks, `call-${i}`).boundAt = i;
    expect(marks.calls).toHaveLength(MAX_CALL_MARKS);
    expect(marks.calls[0]?.callId).toBe('call-10');
    expect(marks.calls.at(-1)?.callId).toBe(`call-${MAX_CALL_MARKS + 9}`);
  });
});
