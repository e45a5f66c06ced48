import { expect } from 'chai';
import { hex } from '../../../src/vfs/core.js';

describe('ETag hex digits', () => {
  it('writes every whole number as toString(16) does, around the split point and up to 2^53', () => {
    const edges = [0, 1, 15, 16, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 48 + 5, 1_700_000_000_123_456, Number.MAX_SAFE_INTEGER];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const samples = [...edges, ...Array.from({ length: 5000 }, () => Math.floor(random() * Number.MAX_SAFE_INTEGER))];
    for (const n of samples) expect(hex(n), String(n)).to.equal(n.toString(16));
  });
});
