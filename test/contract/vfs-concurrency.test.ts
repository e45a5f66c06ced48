import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import { AuditLog } from '../../src/audit/index.js';
import { hostKey } from '../../src/vfs/instances.js';
import { createVfs, type VfsService } from '../../src/vfs/index.js';
import { describeEachDb } from '../helpers/db.js';
import { bodyOf, createVfsFixture, vfsErrorCode, type VfsFixture } from '../helpers/vfs.js';

const body = bodyOf;
const code = vfsErrorCode;


/** Polls until `check` holds (waits for in-flight writes to reach a state; asserts nothing about time). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid as number)));
}

describeEachDb('VFS concurrency: several processes, concurrent overwrites', (kind) => {
  let fx: VfsFixture;
  let alice: RequestActor<Principal>;
  const opened: VfsService[] = [];

  before(async function () {
    fx = await createVfsFixture(this, kind);
    alice = await fx.addUser('alice', { quotaBytes: 1_000_000 });
  });
  after(async () => {
    for (const v of opened) await v.close();
    await fx?.close();
  });

  /** Another "process": its own VfsService and backend on the same database and storage root. */
  async function startProcess(): Promise<{ vfs: VfsService; recovered: { tempFiles: number; reservations: number } }> {
    const { vfs } = await createVfs({ knex: fx.db.knex, audit: new AuditLog(fx.db.knex), storageRoot: fx.storageRoot });
    opened.push(vfs);
    return { vfs, recovered: await vfs.start() };
  }

  const tempDir = () => path.join(fx.storageRoot, '.nasd', 'tmp');
  const temps = () => fs.readdirSync(tempDir()).sort();
  const writeReservations = () => fx.db.knex('quota_reservations').where({ kind: 'write' }).select('instance_id', 'bytes');

  it("restarting one process leaves another's in-flight write alone", async () => {
    const other = (await startProcess()).vfs;
    const source = new PassThrough();
    // Bigger than the small writes that are held in memory until their body ends (SMALL_WRITE_BYTES).
    const writing = other.write(alice, '/home/inflight.bin', source, { expectedSize: 200_000 });
    source.write(Buffer.alloc(100_000, 1));
    await until('the write to be in flight', async () => temps().length === 1 && (await writeReservations()).length === 1);
    expect(temps()[0].startsWith(`${other.instance.id}_`)).to.equal(true);

    await fx.vfs.close();
    const restarted = await startProcess();
    expect(restarted.recovered).to.deep.equal({ tempFiles: 0, reservations: 0 });
    expect(await writeReservations()).to.deep.equal([{ instance_id: other.instance.id, bytes: 200_000 }]);
    expect(temps()).to.have.length(1);
    expect(await restarted.vfs.reclaim()).to.deep.equal({ tempFiles: 0, reservations: 0 });

    source.end(Buffer.alloc(100_000, 2));
    expect((await writing).stat.size).to.equal(200_000);
    expect(await writeReservations()).to.deep.equal([]);
    expect(temps()).to.deep.equal([]);
  });

  it('reclaims the temp files and write reservations of dead processes only', async () => {
    const now = Date.now();
    const stale = crypto.randomUUID();
    const crashedHere = crypto.randomUUID();
    const elsewhere = crypto.randomUUID();
    const never = crypto.randomUUID();
    await fx.db.knex('nasd_instances').insert([
      { id: stale, host: 'some-other-host', pid: 1, started_at: now - 3600_000, heartbeat_at: now - 600_000 },
      { id: crashedHere, host: hostKey(), pid: await deadPid(), started_at: now, heartbeat_at: now },
      { id: elsewhere, host: 'some-other-host', pid: 1, started_at: now, heartbeat_at: now },
    ]);
    const reservation = (id: string, instance: string | null, kind: 'write' | 'tus' = 'write') => ({
      id,
      user_id: alice.principal.userId,
      share_id: null,
      bytes: 100,
      kind,
      upload_id: null,
      instance_id: instance,
      created_at: now,
      expires_at: now + 3600_000,
    });
    await fx.db.knex('quota_reservations').insert([
      reservation('r-stale', stale),
      reservation('r-crashed', crashedHere),
      reservation('r-elsewhere', elsewhere),
      reservation('r-never', never),
      reservation('r-legacy', null),
      reservation('r-tus', null, 'tus'),
    ]);
    for (const name of [`${stale}_a`, `${crashedHere}_b`, `${elsewhere}_c`, `${never}_d`, 'legacy-temp']) fs.writeFileSync(path.join(tempDir(), name), 'x');

    const { recovered } = await startProcess();
    expect(recovered).to.deep.equal({ tempFiles: 4, reservations: 4 });
    expect((await fx.db.knex('quota_reservations').select('id').orderBy('id')).map((r) => r.id)).to.deep.equal(['r-elsewhere', 'r-tus']);
    expect(temps()).to.deep.equal([`${elsewhere}_c`]);
    const instances = (await fx.db.knex('nasd_instances').select('id')).map((r) => r.id);
    expect(instances).to.include(elsewhere).and.not.include.members([stale]);
    expect(instances).to.not.include(crashedHere);
    await fx.db.knex('quota_reservations').where({ id: 'r-elsewhere' }).delete();
    await fx.db.knex('quota_reservations').where({ id: 'r-tus' }).delete();
    fs.rmSync(path.join(tempDir(), `${elsewhere}_c`));
  });

  it('removes its heartbeat row on clean close', async () => {
    const { vfs } = await startProcess();
    expect(await fx.db.knex('nasd_instances').where({ id: vfs.instance.id }).first()).to.not.equal(undefined);
    await vfs.close();
    expect(await fx.db.knex('nasd_instances').where({ id: vfs.instance.id }).first()).to.equal(undefined);
  });

  it('two overwrites of one file at once cannot together pass the quota', async () => {
    const carol = await fx.addUser('carol', { quotaBytes: 100 });
    const { vfs } = await startProcess();
    await vfs.write(carol, '/home/f', body(Buffer.alloc(60)));
    await vfs.write(carol, '/home/f', body(Buffer.alloc(70)), { expectedSize: 70 });
    expect((await vfs.userUsage(carol.principal.userId)).bytes).to.equal(70, 'an overwrite near the quota still works: the old size is credited');

    const a = new PassThrough();
    const b = new PassThrough();
    const writeA = vfs.write(carol, '/home/f', a);
    const writeB = vfs.write(carol, '/home/f', b);
    const carols = () => fx.db.knex('quota_reservations').where({ user_id: carol.principal.userId });
    await until('both overwrites to hold a reservation', async () => (await carols()).length === 2);
    a.end();
    expect((await writeA).stat.size).to.equal(0);
    await vfs.write(carol, '/home/g', body(Buffer.alloc(100)));
    b.end(Buffer.alloc(70));
    expect(await code(writeB)).to.equal('QUOTA_EXCEEDED');

    expect(await vfs.userUsage(carol.principal.userId)).to.deep.equal({ bytes: 100, files: 2, reservedBytes: 0 });
    expect(fs.statSync(path.join(fx.storageRoot, 'homes/carol/f')).size).to.equal(0);
    expect(temps()).to.deep.equal([]);
  });
});
