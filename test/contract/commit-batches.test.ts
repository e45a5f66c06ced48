import fs from 'node:fs';
import type { Knex } from 'knex';
import { expect } from 'chai';
import { VfsError } from '../../src/lib/errors.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { openStorageBackend, type StorageBackend } from '../../src/vfs/backends/index.js';
import { CommitBatcher, type CommitMember } from '../../src/vfs/commit-batches.js';
import { QuotaLedger } from '../../src/vfs/quota.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';

/**
 * The group commit on a real database: members book a row each in a table of the test's own, so
 * what was committed (and in which transaction) is read back from the database itself.
 */
describeEachDb('Commit batches', (kind) => {
  let db: Database;
  let backend: StorageBackend;
  let batcher: CommitBatcher;
  let tmp: ReturnType<typeof makeTmpDir>;
  let dropPg: (() => Promise<void>) | undefined;

  beforeEach(async function () {
    tmp = makeTmpDir('nasd-batches-');
    const pg = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    dropPg = pg?.drop;
    db = await openDatabase(pg?.url, tmp.dir);
    await db.knex.schema.createTable('batch_probe', (t) => {
      t.string('name').primary();
      t.string('tx');
    });
    backend = await openStorageBackend('fast', `${tmp.dir}/storage`);
    fs.mkdirSync(`${backend.root}/homes/u`, { recursive: true });
    const ledger = new QuotaLedger(db.knex, () => backend.freeBytes(), backend.instanceId);
    batcher = new CommitBatcher(db.knex, ledger);
  });

  afterEach(async () => {
    await backend.close();
    await db.close();
    await dropPg?.();
    tmp.remove();
  });

  const transactions = new WeakMap<Knex.Transaction, string>();
  const txName = (trx: Knex.Transaction) => {
    if (!transactions.has(trx)) transactions.set(trx, `tx${Math.random().toString(36).slice(2)}`);
    return transactions.get(trx)!;
  };

  /** A member that books `name` (through serial) after `before` resolves, then answers its transaction's name. */
  function member(name: string, options: { before?: Promise<void>; fail?: Error; key?: string; userId?: number } = {}): CommitMember<string> {
    return {
      key: options.key ?? `homes/u/${name}`,
      subject: async () => ({ userId: options.userId ?? null, shareId: null }),
      commit: async (trx, serial) => {
        await options.before;
        await serial(() => trx('batch_probe').insert({ name, tx: txName(trx) }));
        if (options.fail) throw options.fail;
        return txName(trx);
      },
    };
  }

  const booked = async () => (await db.knex('batch_probe').select('name', 'tx').orderBy('name')) as Array<{ name: string; tx: string }>;
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  };

  it('books the commits that arrived while one ran in one shared transaction, each answered with its own result', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const rest = ['b', 'c', 'd'].map((n) => batcher.run(member(n)));
    g.open();
    const [txA, ...txRest] = await Promise.all([first, ...rest]);
    expect(new Set(txRest).size).to.equal(1);
    expect(txRest[0]).to.not.equal(txA);
    expect(await booked()).to.deep.equal([
      { name: 'a', tx: txA },
      { name: 'b', tx: txRest[0] },
      { name: 'c', tx: txRest[0] },
      { name: 'd', tx: txRest[0] },
    ]);
  });

  it('lets a member refused with a VfsError fail alone: the others of its batch still commit', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const refusedRow = batcher.run(member('b', { fail: new VfsError('LOCKED', 'locked meanwhile') }));
    const ok = batcher.run(member('c'));
    g.open();
    await first;
    const refused = await refusedRow.then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(VfsError);
    expect((refused as VfsError).code).to.equal('LOCKED');
    await ok;
    // b booked its row before failing: a refusing member must undo its own writes (write.ts does),
    // the batcher only keeps the others going.
    expect((await booked()).map((r) => r.name)).to.include.members(['a', 'c']);
  });

  it('rolls back the whole batch when a member fails with anything but a VfsError', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const settled = Promise.allSettled([batcher.run(member('b')), batcher.run(member('c', { fail: new Error('disk on fire') }))]);
    g.open();
    await first;
    const outcomes = await settled;
    for (const o of outcomes) {
      expect(o.status).to.equal('rejected');
      expect(((o as PromiseRejectedResult).reason as Error).message).to.equal('disk on fire');
    }
    expect((await booked()).map((r) => r.name)).to.deep.equal(['a']);
  });

  it('never puts two commits of one key in one batch', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const x1 = batcher.run(member('x1', { key: 'homes/u/same' }));
    const x2 = batcher.run(member('x2', { key: 'homes/u/same' }));
    const y = batcher.run(member('y'));
    g.open();
    await first;
    const [t1, t2, ty] = await Promise.all([x1, x2, y]);
    expect(t1).to.equal(ty);
    expect(t2).to.not.equal(t1);
  });

  it('runs the serial steps of a batch one at a time, so each sees the ones before it', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const seen: number[] = [];
    const counting = (name: string): CommitMember<void> => ({
      key: `homes/u/${name}`,
      subject: async () => ({ userId: null, shareId: null }),
      commit: async (trx, serial) => {
        await serial(async () => {
          const [{ n }] = (await trx('batch_probe').count({ n: '*' })) as Array<{ n: number | string }>;
          seen.push(Number(n));
          await trx('batch_probe').insert({ name, tx: txName(trx) });
        });
      },
    });
    const rest = ['b', 'c', 'd', 'e'].map((n) => batcher.run(counting(n)));
    g.open();
    await Promise.all([first, ...rest]);
    expect(seen).to.deep.equal([1, 2, 3, 4]);
  });

  it('books members of another quota subject in a batch of their own, after, in order', async () => {
    const g = gate();
    const first = batcher.run(member('a', { before: g.opened }));
    const [b, c, d, e] = [member('b', { userId: 1 }), member('c', { userId: 2 }), member('d', { userId: 1 }), member('e', { userId: 2 })].map((m) => batcher.run(m));
    g.open();
    await first;
    const [tb, tc, td, te] = await Promise.all([b, c, d, e]);
    expect(tb).to.equal(td);
    expect(tc).to.equal(te);
    expect(tb).to.not.equal(tc);
    expect(await booked()).to.have.length(5);
  });
  it('waits for an announced small write before it starts, so the two share a transaction', async () => {
    const arrived = batcher.expect();
    const first = batcher.run(member('a'));
    // Still flushing its temp file when the batch was ready to start: it joins that batch.
    await new Promise((resolve) => setImmediate(resolve));
    const second = batcher.run(member('b'), arrived);
    expect(await first).to.equal(await second);
  });

  it('does not wait for ever for an announced write that never comes', async () => {
    const never = batcher.expect();
    expect(await batcher.run(member('a'))).to.be.a('string');
    never();
  });
});
