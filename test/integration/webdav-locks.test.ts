import { expect } from 'chai';
import { openDatabase, type Database } from '../../src/db/index.js';
import { ancestorKeys, KnexDavLockStore, type NewDavLock } from '../../src/vfs/index.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';

function lock(key: string, extra: Partial<NewDavLock> = {}): NewDavLock {
  return { key, rootPath: `/${key}`, depth: '0', scope: 'exclusive', ownerXml: '', principalId: 1, timeoutSeconds: 60, ...extra };
}

describe('webdav lock keys', () => {
  it('lists strict ancestors of a storage key', () => {
    expect(ancestorKeys('homes/alice/a/b')).to.deep.equal(['homes', 'homes/alice', 'homes/alice/a']);
    expect(ancestorKeys('homes')).to.deep.equal([]);
  });
});

describeEachDb('webdav lock store', (kind) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  const tmp = makeTmpDir();
  let now = 1_000_000;
  let store: KnexDavLockStore;

  before(async function () {
    const pg = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    drop = pg?.drop;
    db = await openDatabase(pg?.url, tmp.dir);
    store = new KnexDavLockStore(db.knex, () => now);
  });
  after(async () => {
    await db?.close();
    await drop?.();
    tmp.remove();
  });
  beforeEach(async () => {
    await db.knex('webdav_locks').delete();
  });

  it('creates a lock with a urn:uuid token and finds it on the key', async () => {
    const l = await store.create(lock('homes/alice/f.txt', { ownerXml: '<href xmlns="DAV:">me</href>' }));
    expect(l.token).to.match(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(l.expiresAtMs).to.equal(now + 60_000);
    const found = await store.affecting('homes/alice/f.txt');
    expect(found).to.have.length(1);
    expect(found[0]).to.deep.equal(l);
  });

  it('applies depth-infinity locks to members, depth-0 only with parent', async () => {
    const inf = await store.create(lock('homes/alice/dir', { depth: 'infinity' }));
    expect((await store.affecting('homes/alice/dir/sub/x')).map((l) => l.token)).to.deep.equal([inf.token]);
    await db.knex('webdav_locks').delete();
    await store.create(lock('homes/alice/dir'));
    expect(await store.affecting('homes/alice/dir/x')).to.have.length(0);
    expect(await store.affecting('homes/alice/dir/x', { parent: true })).to.have.length(1);
    expect(await store.affecting('homes/alice/dir/x/y', { parent: true })).to.have.length(0);
  });

  it('finds locks below a key only with members, exactly (no LIKE wildcards, case kept)', async () => {
    await store.create(lock('homes/alice/d_r/a'));
    await store.create(lock('homes/alice/dxr/b'));
    await store.create(lock('homes/alice/D_R/c'));
    const found = await store.affecting('homes/alice/d_r', { members: true });
    expect(found.map((l) => l.key)).to.deep.equal(['homes/alice/d_r/a']);
    expect(await store.affecting('homes/alice/d_r')).to.have.length(0);
  });

  it('refuses conflicting locks and allows shared ones together', async () => {
    await store.create(lock('shares/s/f', { scope: 'shared' }));
    await store.create(lock('shares/s/f', { scope: 'shared', principalId: 2 }));
    let err: unknown;
    try {
      await store.create(lock('shares/s/f', { principalId: 3 }));
    } catch (e) {
      err = e;
    }
    expect(err).to.have.property('code', 'LOCKED');
    expect((err as { details: { hrefs: string[] } }).details.hrefs).to.deep.equal(['/shares/s/f', '/shares/s/f']);
    await store.create(lock('shares/s/dir/inner'));
    let err2: unknown;
    try {
      await store.create(lock('shares/s/dir', { depth: 'infinity' }));
    } catch (e) {
      err2 = e;
    }
    expect(err2).to.have.property('code', 'LOCKED');
  });

  it('ignores and purges expired locks, refreshes live ones', async () => {
    const l = await store.create(lock('homes/a/x'));
    now += 30_000;
    const r = await store.refresh(l.token, 120);
    expect(r?.expiresAtMs).to.equal(now + 120_000);
    now += 121_000;
    expect(await store.affecting('homes/a/x')).to.have.length(0);
    expect(await store.refresh(l.token, 120)).to.equal(null);
    await store.create(lock('homes/a/x'));
    expect(await db.knex('webdav_locks').count({ n: '*' }).first()).to.deep.equal({ n: 1 });
  });

  it('removes one lock and whole subtrees', async () => {
    const a = await store.create(lock('homes/a/d', { depth: 'infinity' }));
    await store.create(lock('homes/a/e/f'));
    await store.create(lock('homes/a/e/g'));
    await store.create(lock('homes/a/ee'));
    expect(await store.remove(a.token)).to.equal(true);
    expect(await store.remove(a.token)).to.equal(false);
    await store.removeWithin('homes/a/e');
    const left = await db.knex('webdav_locks').select('lock_key');
    expect(left.map((r: { lock_key: string }) => r.lock_key)).to.deep.equal(['homes/a/ee']);
  });

  it('survives a new store on the same database (another process)', async () => {
    const l = await store.create(lock('homes/a/p'));
    const other = new KnexDavLockStore(db.knex, () => now);
    expect((await other.affecting('homes/a/p'))[0].token).to.equal(l.token);
  });
});
