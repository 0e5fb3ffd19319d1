import { describe, expect, it } from 'vitest';
import { frameCopy } from '../../../spec/state/frame.js';

describe('user frame storage', () => {
  it('gives a zero frame, or a copy that later writes to either side leave apart', () => {
    const zero = frameCopy(undefined);
    expect(zero.length).toBe(4096);
    expect(zero.every((b) => b === 0)).toBe(true);
    zero[7] = 9;
    const copies = Array.from({ length: 20 }, () => frameCopy(zero));
    for (const c of copies) expect(c[7]).toBe(9);
    copies[3]![7] = 1;
    zero[8] = 2;
    expect(copies.map((c) => [c[7], c[8]])).toEqual(copies.map((_, i) => [i === 3 ? 1 : 9, 0]));
    expect(zero[7]).toBe(9);
  });
});
