import { describe, expect, test } from 'vitest';
import { infoLabel, infoLength, messageInfo } from '../../refinement/user/libsel4.js';
import { rootProgram, runOnBoth } from './harness.js';

const ROUNDS = 20;

describe('ping-pong between two threads of one address space, spec and impl alike', () => {
  test.each([[1], [4], [10]])('%i-word messages: Call and ReplyRecv, each reply the request plus one', (words) => {
    const got: Record<string, number[][]> = {};
    const { spec } = runOnBoth((sys) => rootProgram(sys, function* (root) {
      const ep = yield* root.create('Endpoint');
      yield* root.spawn(function* (l) {
        let m = yield* l.recv(ep.slot);
        for (;;) {
          const req = yield* l.getMRs(m, infoLength(m.info));
          m = yield* l.replyRecv(ep.slot, messageInfo(0, 0, 0, req.length), req.map((w) => w + 1));
        }
      }, { priority: 100 });
      const replies: number[][] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const request = Array.from({ length: words }, (_, j) => i * 100 + j);
        const r = yield* root.sel4.call(ep.slot, messageInfo(0, 0, 0, words), request);
        if (infoLabel(r.info) !== 0) throw new Error(`reply label ${infoLabel(r.info)}`);
        replies.push(yield* root.sel4.getMRs(r, infoLength(r.info)));
      }
      got[sys.kind] = replies;
      yield* root.sel4.u.undefinedInstruction(); // no fault handler: the root task stops
    }));
    expect(got['spec']).toEqual(Array.from({ length: ROUNDS }, (_, i) => Array.from({ length: words }, (_, j) => i * 100 + j + 1)));
    expect(got['impl']).toEqual(got['spec']);
    expect(spec.result.reason).toBe('halt');
  });
});
