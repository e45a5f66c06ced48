import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { expect } from 'chai';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import type { VfsError } from '../../src/lib/errors.js';
import { TRAVERSAL_CORPUS } from '../fixtures/traversal-corpus.js';
import { describeEachDb } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { bodyOf, createVfsFixture, STORAGE_BACKENDS, vfsErrorCode, type VfsFixture } from '../helpers/vfs.js';

const body = bodyOf;
const code = vfsErrorCode;

for (const backend of STORAGE_BACKENDS) describeEachDb(`VFS service contract [${backend}]`, (kind) => {
  let fx: VfsFixture;
  let admin: RequestActor<Principal>;
  let alice: RequestActor<Principal>;
  let bob: RequestActor<Principal>;
  let carol: RequestActor<Principal>;

  before(async function () {
    fx = await createVfsFixture(this, kind, backend);
    expect(fx.vfs.backendKind).to.equal(backend);
    admin = await fx.addUser('admin', { admin: true });
    alice = await fx.addUser('alice', { quotaBytes: 10_000 });
    bob = await fx.addUser('bob');
    carol = await fx.addUser('carol');
    await fx.addShare('media', admin.principal.userId, { acl: { [alice.principal.userId]: 'write', [bob.principal.userId]: 'read', [carol.principal.userId]: 'full' } });
    await fx.addShare('secret', admin.principal.userId, { acl: { [alice.principal.userId]: 'none' } });
    await fx.addShare('small', admin.principal.userId, { sizeLimitBytes: 100, acl: { [bob.principal.userId]: 'write' } });
  });
  after(async () => fx?.close());

  it('lists the virtual root per user', async () => {
    expect((await fx.vfs.list(alice, '/')).map((e) => e.path)).to.deep.equal(['/home', '/media']);
    expect((await fx.vfs.list(admin, '/')).map((e) => e.path)).to.deep.equal(['/home', '/homes', '/media', '/secret', '/small']);
    expect((await fx.vfs.list(admin, '/homes')).map((e) => e.name)).to.include.members(['alice', 'bob']);
    expect(await code(fx.vfs.list(alice, '/homes'))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.stat(alice, '/secret'))).to.equal('NOT_FOUND');
  });

  it('writes atomically, reads back, ranges, and reports owner and created', async () => {
    const usageBefore = await fx.vfs.userUsage(alice.principal.userId);
    const first = await fx.vfs.write(alice, '/home/a.txt', body('hello world'), { expectedSize: 11 });
    expect(first.created).to.equal(true);
    expect(first.stat).to.include({ path: '/home/a.txt', name: 'a.txt', type: 'file', size: 11, ownerId: alice.principal.userId, virtual: false });
    const again = await fx.vfs.write(alice, '/home/a.txt', body('HELLO world'));
    expect(again.created).to.equal(false);
    expect(again.stat.etag).to.not.equal(first.stat.etag);
    expect(await code(fx.vfs.write(alice, '/home/a.txt', body('x'), { overwrite: false }))).to.equal('ALREADY_EXISTS');
    const whole = await fx.vfs.openRead(alice, '/home/a.txt');
    expect(await text(whole.stream)).to.equal('HELLO world');
    const part = await fx.vfs.openRead(alice, '/home/a.txt', { start: 6, end: 10 });
    expect(await text(part.stream)).to.equal('world');
    expect(await fx.vfs.userUsage(alice.principal.userId)).to.deep.equal({ bytes: usageBefore.bytes + 11, files: usageBefore.files + 1, reservedBytes: 0 });
    expect(fs.readdirSync(path.join(fx.storageRoot, '.nasd/tmp'))).to.deep.equal([]);
  });

  it('opens whole files for sending: small ones as bytes, big ones through send(), both identical on disk', async () => {
    await fx.vfs.write(bob, '/home/small.bin', body('tiny'));
    const small = await fx.vfs.openWhole(bob, '/home/small.bin', 64);
    expect(small.data?.toString()).to.equal('tiny');
    expect(small.stat).to.include({ path: '/home/small.bin', name: 'small.bin', type: 'file', size: 4 });
    const big = crypto.randomBytes(3 * 1024 * 1024 + 17); // more than the send buffers hold at once
    await fx.vfs.write(bob, '/home/big.bin', Readable.from([big]));
    const opened = await fx.vfs.openWhole(bob, '/home/big.bin', 64);
    expect(opened.data).to.equal(undefined);
    const chunks: Buffer[] = [];
    await opened.send?.(new Writable({ write: (chunk: Buffer, _enc, done) => void setImmediate(() => (chunks.push(Buffer.from(chunk)), done())) }));
    expect(Buffer.concat(chunks).equals(big)).to.equal(true);
    expect(await code(fx.vfs.openWhole(bob, '/home', 64))).to.equal('IS_A_DIRECTORY');
    expect(await code(fx.vfs.openWhole(bob, '/', 64))).to.equal('FORBIDDEN');
    expect(await code(fx.vfs.openWhole(alice, '/homes/bob/small.bin', 64))).to.equal('NOT_FOUND');
    await fx.vfs.remove(bob, '/home/small.bin');
    await fx.vfs.remove(bob, '/home/big.bin');
  });

  it('mkdir needs an existing parent folder', async () => {
    await fx.vfs.mkdir(alice, '/home/mkdir-docs');
    await fx.vfs.write(alice, '/home/mkdir-file.txt', body('x'));
    expect(await code(fx.vfs.mkdir(alice, '/home/mkdir-docs'))).to.equal('ALREADY_EXISTS');
    expect(await code(fx.vfs.mkdir(alice, '/home/nope/deeper'))).to.equal('PARENT_MISSING');
    expect(await code(fx.vfs.write(alice, '/home/mkdir-file.txt/x', body('x')))).to.equal('NOT_A_DIRECTORY');
    expect(await code(fx.vfs.write(alice, '/home/mkdir-docs', body('x')))).to.equal('IS_A_DIRECTORY');
    expect(await code(fx.vfs.remove(alice, '/home'))).to.equal('FORBIDDEN');
  });

  it('round-trips Unicode names exactly (NFC and NFD are different files)', async () => {
    const names = ['caf\u00e9.txt', 'cafe\u0301.txt', '😀.txt', '中文.txt'];
    await fx.vfs.mkdir(alice, '/home/unicode');
    for (const n of names) await fx.vfs.write(alice, `/home/unicode/${n}`, body(n));
    const listed = (await fx.vfs.list(alice, '/home/unicode')).map((e) => e.name).sort();
    expect(listed).to.deep.equal([...names].sort());
    expect(await text((await fx.vfs.openRead(alice, '/home/unicode/cafe\u0301.txt')).stream)).to.equal('cafe\u0301.txt');
  });

  it('moves and copies trees with owners, usage and dead properties', async () => {
    await fx.vfs.mkdir(alice, '/home/tree');
    await fx.vfs.write(alice, '/home/tree/f.bin', body('12345'));
    await fx.vfs.patchProperties(alice, '/home/tree/f.bin', { set: [{ ns: 'urn:x', name: 'color', xml: 'red' }], remove: [] });
    const before = (await fx.vfs.userUsage(alice.principal.userId)).bytes;
    const mediaBefore = (await fx.vfs.shareUsage(await shareId('media'))).bytes;
    await fx.vfs.copy(alice, '/home/tree', '/home/tree2', { overwrite: false, depth: 'infinity' });
    // The copy is charged its 5 bytes and its property's 13 ('urn:x' + 'color' + 'red').
    const propBytes = 13;
    expect((await fx.vfs.userUsage(alice.principal.userId)).bytes).to.equal(before + 5 + propBytes);
    expect(await fx.vfs.getProperties(alice, '/home/tree2/f.bin')).to.deep.equal([{ ns: 'urn:x', name: 'color', xml: 'red' }]);
    const moved = await fx.vfs.move(alice, '/home/tree2', '/media/tree3', { overwrite: false });
    expect(moved.created).to.equal(true);
    expect((await fx.vfs.stat(alice, '/media/tree3/f.bin')).ownerId).to.equal(alice.principal.userId);
    expect((await fx.vfs.shareUsage(await shareId('media'))).bytes).to.equal(mediaBefore + 5 + propBytes);
    expect((await fx.vfs.listChildProperties(alice, '/media/tree3')).get('f.bin')).to.have.length(1);
    await fx.vfs.remove(alice, '/media/tree3');
    expect((await fx.vfs.userUsage(alice.principal.userId)).bytes).to.equal(before);
    expect((await fx.vfs.shareUsage(await shareId('media'))).bytes).to.equal(mediaBefore);
    expect(await code(fx.vfs.move(alice, '/home/tree', '/home/tree/inner', { overwrite: false }))).to.equal('CONFLICT');
  });

  async function shareId(name: string): Promise<number> {
    return Number((await fx.db.knex('shares').where({ name }).first()).id);
  }

  it('enforces share ACLs: read, write, full, none', async () => {
    await fx.vfs.write(alice, '/media/alice.txt', body('a'));
    expect(await code(fx.vfs.write(bob, '/media/bob.txt', body('b')))).to.equal('FORBIDDEN');
    expect(await text((await fx.vfs.openRead(bob, '/media/alice.txt')).stream)).to.equal('a');
    await fx.vfs.write(carol, '/media/carol.txt', body('c'));
    expect(await code(fx.vfs.remove(alice, '/media/carol.txt'))).to.equal('FORBIDDEN');
    expect(await code(fx.vfs.write(alice, '/media/carol.txt', body('overwritten')))).to.equal('FORBIDDEN');
    expect(await code(fx.vfs.move(alice, '/media/carol.txt', '/media/mine.txt', { overwrite: false }))).to.equal('FORBIDDEN');
    await fx.vfs.remove(carol, '/media/alice.txt');
    expect(await code(fx.vfs.write(alice, '/secret/x', body('x')))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.stat(bob, '/homes/alice'))).to.equal('NOT_FOUND');
  });

  it('keys storage the same for every path that reaches it and audits admins in homes', async () => {
    await fx.vfs.write(alice, '/home/keyed.txt', body('keyed'));
    // A fresh actor object is a fresh operation: admin visits are audited once per operation and home.
    const visit: RequestActor<Principal> = { ...admin };
    expect(await fx.vfs.storageKey(alice, '/home/keyed.txt')).to.equal(await fx.vfs.storageKey(visit, '/homes/alice/keyed.txt'));
    expect(await text((await fx.vfs.openRead(visit, '/homes/alice/keyed.txt')).stream)).to.equal('keyed');
    const audit = await fx.db.knex('audit_log').where({ action: 'home.admin_access', actor_name: 'admin', target: '/homes/alice/keyed.txt' });
    expect(audit.length).to.be.greaterThan(0);
    const writes = await fx.db.knex('audit_log').where({ action: 'file.create', actor_name: 'alice', target: '/home/keyed.txt' });
    expect(writes.length).to.be.greaterThan(0);
    expect(JSON.parse(writes[0].details)).to.have.property('bytes');
  });

  it('never follows symlinks out of the jail', async () => {
    const erin = await fx.addUser('erin');
    await fx.vfs.list(erin, '/home'); // homes are created on first use
    const home = path.join(fx.storageRoot, 'homes/erin');
    fs.symlinkSync('/etc', path.join(home, 'etc-link'));
    fs.symlinkSync('/etc/hostname', path.join(home, 'host-link'));
    expect((await fx.vfs.list(erin, '/home')).map((e) => e.name)).to.not.include.members(['etc-link', 'host-link']);
    expect(await code(fx.vfs.stat(erin, '/home/etc-link'))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.openRead(erin, '/home/host-link'))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.list(erin, '/home/etc-link'))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.openRead(erin, '/home/etc-link/hostname'))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.write(erin, '/home/etc-link/evil', body('x')))).to.be.oneOf(['NOT_FOUND', 'PARENT_MISSING']);
    expect(fs.existsSync('/etc/evil')).to.equal(false);
  });

  it('hashes files of a listing it may read, only for the content each entry describes', async () => {
    const md5 = (t: string) => crypto.createHash('md5').update(t).digest('hex');
    const sha1 = (t: string) => crypto.createHash('sha1').update(t).digest('hex');
    const hank = await fx.addUser('hank');
    await fx.vfs.mkdir(hank, '/home/h');
    await fx.vfs.mkdir(hank, '/home/h/sub');
    await fx.vfs.write(hank, '/home/h/one', body('one'));
    const stale = (await fx.vfs.write(hank, '/home/h/two', body('two'))).stat;
    await fx.vfs.write(hank, '/home/h/two', body('TWO'));
    fs.symlinkSync('/etc/hostname', path.join(fx.storageRoot, 'homes/hank/h/link'));
    const listed = await fx.vfs.list(hank, '/home/h');
    const gone = { path: '/home/h/link', type: 'file' as const, etag: '"x"' };
    const got = await fx.vfs.contentHashes(hank, [...listed, stale, gone]);
    expect(Object.fromEntries(got)).to.deep.equal({ '/home/h/one': { md5: md5('one'), sha1: sha1('one') }, '/home/h/two': { md5: md5('TWO'), sha1: sha1('TWO') } });
    // The old entry of two: its content is gone, so no hashes, neither read now nor from the cache.
    expect((await fx.vfs.contentHashes(hank, [stale])).size).to.equal(0);
    await fx.vfs.write(alice, '/media/shared.txt', body('shared'));
    const inShare = await fx.vfs.list(bob, '/media');
    expect((await fx.vfs.contentHashes(bob, inShare)).get('/media/shared.txt')).to.deep.equal({ md5: md5('shared'), sha1: sha1('shared') });
    expect(await code(fx.vfs.contentHashes(alice, [{ path: '/secret/x', type: 'file', etag: '"x"' }]))).to.equal('NOT_FOUND');
    expect(await code(fx.vfs.contentHashes(bob, [{ path: '/homes/hank/h/one', type: 'file', etag: '"x"' }]))).to.equal('NOT_FOUND');
  });

  it('hashes the members of a big folder a batch at a time, the cached ones from one query for the whole listing', async () => {
    const md5 = (t: string) => crypto.createHash('md5').update(t).digest('hex');
    await fx.vfs.mkdir(carol, '/home/sums');
    await fx.vfs.mkdir(carol, '/home/sums/sub');
    for (let i = 0; i < 300; i++) await fx.vfs.write(carol, `/home/sums/f${i}`, body(`f${i}`));
    const batches: Awaited<ReturnType<typeof fx.vfs.list>>[] = [];
    for await (const batch of fx.vfs.listInBatches(carol, '/home/sums')) batches.push(batch);
    expect(batches.length).to.be.greaterThan(1);
    const hashAll = async () => {
      const of = await fx.vfs.memberHashes(carol, '/home/sums');
      const out = new Map<string, string>();
      for (const batch of batches) for (const [p, h] of await of(batch)) out.set(p, h.md5);
      return out;
    };
    const expected = new Map(Array.from({ length: 300 }, (_, i) => [`/home/sums/f${i}`, md5(`f${i}`)]));
    expect(await hashAll()).to.deep.equal(expected);
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    fx.db.knex.on('query', onQuery);
    try {
      expect(await hashAll()).to.deep.equal(expected);
    } finally {
      fx.db.knex.off('query', onQuery);
    }
    expect(queries.filter((q) => q.includes('file_owners'))).to.have.length(1);
    const of = await fx.vfs.memberHashes(carol, '/home/sums');
    expect((await of([{ path: '/home/a.txt', type: 'file', etag: '"x"' }])).size).to.equal(0);
    expect(await code(fx.vfs.memberHashes(alice, '/secret'))).to.equal('NOT_FOUND');
    await fx.vfs.remove(carol, '/home/sums');
  });

  it('lists a big folder a batch at a time, every entry once with its owner', async () => {
    await fx.vfs.mkdir(carol, '/home/many');
    for (let i = 0; i < 300; i++) await fx.vfs.write(carol, `/home/many/f${i}`, body('x'));
    const batches: string[][] = [];
    for await (const batch of fx.vfs.listInBatches(carol, '/home/many')) batches.push(batch.map((e) => e.name));
    expect(batches.length).to.be.greaterThan(1);
    expect(batches.flat().sort()).to.deep.equal(Array.from({ length: 300 }, (_, i) => `f${i}`).sort());
    expect((await fx.vfs.list(carol, '/home/many')).every((e) => e.ownerId === carol.principal.userId)).to.equal(true);
    const notADir = fx.vfs.listInBatches(carol, '/home/many/f1')[Symbol.asyncIterator]().next();
    expect(await code(notADir)).to.equal('NOT_A_DIRECTORY');
    await fx.vfs.remove(carol, '/home/many');
  });

  it('deletes a nested tree with symlinks inside without following them', async () => {
    const outside = makeTmpDir('nasd-outside-');
    try {
      fs.writeFileSync(path.join(outside.dir, 'keep.txt'), 'keep');
      await fx.vfs.mkdir(bob, '/home/tree');
      await fx.vfs.mkdir(bob, '/home/tree/sub');
      for (let i = 0; i < 150; i++) await fx.vfs.write(bob, `/home/tree/f${i}`, body(`${i}`));
      await fx.vfs.write(bob, '/home/tree/sub/deep.txt', body('deep'));
      const disk = path.join(fx.storageRoot, 'homes/bob/tree');
      fs.symlinkSync(outside.dir, path.join(disk, 'sub', 'dir-link'));
      fs.symlinkSync(path.join(outside.dir, 'keep.txt'), path.join(disk, 'file-link'));
      const before = await fx.vfs.userUsage(bob.principal.userId);
      await fx.vfs.remove(bob, '/home/tree');
      expect(fs.existsSync(disk)).to.equal(false);
      expect(fs.readFileSync(path.join(outside.dir, 'keep.txt'), 'utf8')).to.equal('keep');
      const after = await fx.vfs.userUsage(bob.principal.userId);
      expect(before.files - after.files).to.equal(151);
    } finally {
      outside.remove();
    }
  });

  it('refuses quota overruns and leaves nothing behind', async () => {
    const big = Buffer.alloc(20_000, 1);
    expect(await code(fx.vfs.write(alice, '/home/big.bin', Readable.from([big]), { expectedSize: big.length }))).to.equal('QUOTA_EXCEEDED');
    expect(await code(fx.vfs.write(alice, '/home/big.bin', Readable.from([big.subarray(0, 5000), big.subarray(5000)])))).to.equal('QUOTA_EXCEEDED');
    expect(await code(fx.vfs.write(bob, '/small/x.bin', Readable.from([Buffer.alloc(101)])))).to.equal('QUOTA_EXCEEDED');
    expect(await code(fx.vfs.stat(alice, '/home/big.bin'))).to.equal('NOT_FOUND');
    expect(fs.readdirSync(path.join(fx.storageRoot, '.nasd/tmp'))).to.deep.equal([]);
    expect((await fx.vfs.userUsage(alice.principal.userId)).reservedBytes).to.equal(0);
    const q = await fx.vfs.quota(alice, '/home');
    expect(q.limitBytes).to.equal(10_000);
    expect(q.usedBytes + q.availableBytes).to.equal(10_000);
  });

  it('lets 20 concurrent writers never pass a quota together', async () => {
    const dave = await fx.addUser('dave', { quotaBytes: 50_000 });
    const chunk = Buffer.alloc(4_000, 7);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        fx.vfs.write(dave, `/home/f${i}.bin`, Readable.from([chunk.subarray(0, 1000), chunk.subarray(1000)]), i % 2 ? { expectedSize: chunk.length } : {}),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) if (r.status === 'rejected') expect((r.reason as VfsError).code).to.equal('QUOTA_EXCEEDED');
    expect(ok).to.be.within(1, 12);
    const usage = await fx.vfs.userUsage(dave.principal.userId);
    expect(usage.bytes).to.equal(ok * chunk.length).and.to.be.at.most(50_000);
    expect(usage.reservedBytes).to.equal(0);
    expect((await fx.vfs.list(dave, '/home')).length).to.equal(ok);
  });

  it('reconciles usage and ownership after changes behind its back', async () => {
    const frank = await fx.addUser('frank');
    await fx.vfs.write(frank, '/home/a.txt', body('HELLO world'));
    const home = path.join(fx.storageRoot, 'homes/frank');
    const before = await fx.vfs.userUsage(frank.principal.userId);
    fs.writeFileSync(path.join(home, 'smb-added.bin'), Buffer.alloc(300));
    fs.rmSync(path.join(home, 'a.txt'));
    fs.writeFileSync(path.join(fx.storageRoot, 'shares/media/by-smb.txt'), 'xyz');
    const report = await fx.vfs.reconcile();
    expect(report.added).to.be.at.least(2);
    expect(report.removed).to.be.at.least(1);
    const after = await fx.vfs.userUsage(frank.principal.userId);
    expect(after.bytes).to.equal(before.bytes + 300 - 11);
    expect(report.usage.find((d) => d.scope === 'user' && d.subjectId === frank.principal.userId)?.after.bytes).to.equal(after.bytes);
    expect((await fx.vfs.stat(alice, '/media/by-smb.txt')).ownerId).to.equal(admin.principal.userId);
    expect((await fx.vfs.reconcile()).usage).to.deep.equal([]);
  });

  it('applies property patches atomically', async () => {
    await fx.vfs.write(alice, '/home/props.txt', body('props'));
    await fx.vfs.patchProperties(alice, '/home/props.txt', { set: [{ ns: 'urn:x', name: 'a', xml: '1' }], remove: [] });
    const tooLong = { ns: 'urn:x', name: 'n'.repeat(300), xml: '2' };
    const patched = await fx.vfs
      .patchProperties(alice, '/home/props.txt', { set: [{ ns: 'urn:x', name: 'b', xml: '2' }, tooLong], remove: [{ ns: 'urn:x', name: 'a' }] })
      .then(() => true, () => false);
    const names = (await fx.vfs.getProperties(alice, '/home/props.txt')).map((p) => p.name);
    // PostgreSQL refuses the over-long name and must roll the whole patch back; SQLite accepts it whole.
    if (patched) expect(names).to.have.members(['b', tooLong.name]);
    else expect(names).to.deep.equal(['a']);
    if (kind === 'postgres') expect(patched).to.equal(false);
  });

  it('rejects the traversal corpus at every entry point', async () => {
    await fx.vfs.write(alice, '/home/traversal.txt', body('untouched'));
    const ops: Array<(p: string) => Promise<unknown>> = [
      (p) => fx.vfs.stat(alice, p),
      (p) => fx.vfs.list(alice, p),
      (p) => fx.vfs.openRead(alice, p),
      (p) => fx.vfs.write(alice, p, body('x')),
      (p) => fx.vfs.mkdir(alice, p),
      (p) => fx.vfs.remove(alice, p),
      (p) => fx.vfs.move(alice, '/home/traversal.txt', p, { overwrite: true }),
      (p) => fx.vfs.copy(alice, p, '/home/copy', { overwrite: true, depth: 'infinity' }),
      (p) => fx.vfs.setMtime(alice, p, 0),
      (p) => fx.vfs.assertWritable(alice, p),
      (p) => fx.vfs.quota(alice, p),
      (p) => fx.vfs.storageKey(alice, p),
      (p) => fx.vfs.getProperties(alice, p),
      (p) => fx.vfs.patchProperties(alice, p, { set: [], remove: [] }),
    ];
    for (const raw of TRAVERSAL_CORPUS) {
      for (const op of ops) expect(await code(op(raw)), raw).to.equal('VALIDATION');
    }
    expect(await text((await fx.vfs.openRead(alice, '/home/traversal.txt')).stream)).to.equal('untouched');
  });
});
