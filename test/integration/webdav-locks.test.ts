import { expect } from 'chai';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { dropStaleLocks as cleanUpLocks } from '../../migrations/20261202002000_webdav_lock_cleanup.js';
import { ancestorKeys, blockingLocks, KnexDavLockStore, type DavLock, type NewDavLock } from '../../src/vfs/index.js';
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

describe('webdav lock holding', () => {
  const held = (key: string, token: string, principalId: number, scope: 'exclusive' | 'shared' = 'exclusive'): DavLock => ({
    token, key, rootPath: `/${key}`, depth: '0', scope, ownerXml: '', principalId, timeoutSeconds: 60, expiresAtMs: 0,
  });
  const actor = (userId: number, tokens?: string[]): RequestActor<Principal> => ({
    principal: { userId, username: `u${userId}`, isAdmin: false }, protocol: 'webdav', ...(tokens ? { lockTokens: new Set(tokens) } : {}),
  });

  it('blocks unless the actor submitted the token of one of its own locks on each locked resource', () => {
    const locks = [held('k/a', 't1', 1), held('k/b', 't2', 1)];
    expect(blockingLocks(locks, actor(1)).map((l) => l.token)).to.deep.equal(['t1', 't2']);
    expect(blockingLocks(locks, actor(1, ['t1'])).map((l) => l.token)).to.deep.equal(['t2']);
    expect(blockingLocks(locks, actor(1, ['t1', 't2']))).to.deep.equal([]);
    // Somebody else's token, even when known, does not make a lock yours.
    expect(blockingLocks(locks, actor(2, ['t1', 't2'])).map((l) => l.token)).to.deep.equal(['t1', 't2']);
    const shared = [held('k/s', 's1', 1, 'shared'), held('k/s', 's2', 2, 'shared')];
    expect(blockingLocks(shared, actor(2, ['s2']))).to.deep.equal([]);
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

  it('removes every lock of one holder, and the whole subtree whether expired or not', async () => {
    await store.create(lock('homes/a/x', { principalId: 7 }));
    await store.create(lock('shares/s/y', { principalId: 7 }));
    await store.create(lock('shares/s/z', { principalId: 8 }));
    await store.removeHeldBy(7);
    expect((await db.knex('webdav_locks').select('lock_key')).map((r: { lock_key: string }) => r.lock_key)).to.deep.equal(['shares/s/z']);
    now += 61_000;
    await store.removeWithin('shares/s');
    expect(await db.knex('webdav_locks')).to.deep.equal([]);
  });

  it('refuses a user more than the cap of active locks, counting only live ones and only theirs', async () => {
    const capped = new KnexDavLockStore(db.knex, () => now, 2);
    await capped.create(lock('shares/s/c1', { scope: 'shared', principalId: 5 }));
    await capped.create(lock('shares/s/c1', { scope: 'shared', principalId: 5, timeoutSeconds: 1 }));
    let err: unknown;
    await capped.create(lock('shares/s/c1', { scope: 'shared', principalId: 5 })).catch((e: unknown) => (err = e));
    expect(err).to.have.property('code', 'QUOTA_EXCEEDED');
    expect((err as Error).message).to.equal('you hold 2 WebDAV locks, the most one user may; unlock some or let them expire');
    await capped.create(lock('shares/s/c1', { scope: 'shared', principalId: 6 }));
    now += 2000;
    await capped.create(lock('shares/s/c2', { principalId: 5 }));
  });

  it('migrates old locks: those of deleted users go, none outlives the one-hour cap', async () => {
    const t = Date.now();
    const [{ id }] = await db.knex('users').insert({ username: `lock-mig-${kind}`, password_hash: 'x', password_changed_at: t, created_at: t, updated_at: t }).returning('id');
    const row = (token: string, principal: number, expires: number) => ({
      token, lock_key: `homes/m/${token}`, root_path: '/m', depth: '0', scope: 'exclusive', owner_xml: '', principal_id: principal, timeout_seconds: 604800, expires_at: expires, created_at: t,
    });
    await db.knex('webdav_locks').insert([row('orphan', 999_999, t + 604_800_000), row('long', Number(id), t + 604_800_000), row('short', Number(id), t + 60_000)]);
    await cleanUpLocks(db.knex);
    const left = await db.knex('webdav_locks').select('token', 'expires_at').orderBy('token');
    expect(left.map((r: { token: string }) => r.token)).to.deep.equal(['long', 'short']);
    expect(Number(left[0].expires_at)).to.be.within(t + 3_599_000, Date.now() + 3_600_000);
    expect(Number(left[1].expires_at)).to.equal(t + 60_000);
    await db.knex('users').where({ id: Number(id) }).delete();
  });

  it('survives a new store on the same database (another process)', async () => {
    const l = await store.create(lock('homes/a/p'));
    const other = new KnexDavLockStore(db.knex, () => now);
    expect((await other.affecting('homes/a/p'))[0].token).to.equal(l.token);
  });
});
