import { expect } from 'chai';
import { FolderSyncs } from '../../../src/vfs/folder-syncs.js';

/** A syncFolders whose calls stay pending until the test ends them, in order. */
function controlledSyncs() {
  const calls: Array<{ keys: readonly string[]; end: (err?: Error) => void }> = [];
  const backend = {
    syncFolders: (keys: readonly string[]) =>
      new Promise<void>((resolve, reject) => calls.push({ keys, end: (err) => (err ? reject(err) : resolve()) })),
  };
  return { calls, syncs: new FolderSyncs(backend) };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Folder syncs', () => {
  it('gives a caller that asks while a flush runs the next flush, shared with everyone else who asked meanwhile', async () => {
    const { calls, syncs } = controlledSyncs();
    const order: string[] = [];
    const a = syncs.sync('homes/u').then(() => order.push('a'));
    const b = syncs.sync('homes/u').then(() => order.push('b'));
    const c = syncs.sync('homes/u').then(() => order.push('c'));
    expect(calls).to.have.length(1);
    calls[0]!.end();
    await a;
    await tick();
    expect(order).to.deep.equal(['a']);
    expect(calls, 'b and c need a flush that started after they asked').to.have.length(2);
    calls[1]!.end();
    await Promise.all([b, c]);
    expect(order).to.deep.equal(['a', 'b', 'c']);
    expect(calls).to.have.length(2);
  });

  it('flushes different folders independently and starts afresh once a folder is idle', async () => {
    const { calls, syncs } = controlledSyncs();
    const one = syncs.sync('homes/u');
    const two = syncs.sync('shares/s');
    expect(calls.map((c) => c.keys)).to.deep.equal([['homes/u'], ['shares/s']]);
    calls[0]!.end();
    calls[1]!.end();
    await Promise.all([one, two]);
    await tick();
    const again = syncs.sync('homes/u');
    expect(calls).to.have.length(3);
    calls[2]!.end();
    await again;
  });

  it('hands a failed flush to the callers that shared it, and the next caller gets a new one', async () => {
    const { calls, syncs } = controlledSyncs();
    const first = syncs.sync('homes/u');
    calls[0]!.end(new Error('EIO'));
    const err = await first.then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('EIO');
    await tick();
    const next = syncs.sync('homes/u');
    expect(calls).to.have.length(2);
    calls[1]!.end();
    await next;
  });
});
