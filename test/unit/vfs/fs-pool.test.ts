import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { FsWorkerPool } from '../../../src/vfs/backends/fs-pool.js';
import { unpackStat } from '../../../src/vfs/backends/raw-stat.js';
import { makeTmpDir } from '../../helpers/tmp.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).to.equal(true);
}

describe('FsWorkerPool (storage worker threads)', () => {
  const tmp = makeTmpDir('nasd-fs-pool-');
  const dir = tmp.dir;
  const pool = new FsWorkerPool();
  before(() => {
    fs.mkdirSync(path.join(dir, 'real'));
    fs.writeFileSync(path.join(dir, 'real', 'small.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'real', 'big.bin'), Buffer.alloc(5000, 1));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
  });
  after(async () => {
    await pool.close();
    tmp.remove();
  });

  it('reads a small file whole, and only stats a bigger one or a folder', async () => {
    const small = await pool.readSmall(path.join(dir, 'real', 'small.txt'), 100);
    expect('stat' in small && Buffer.from(small.data ?? []).toString()).to.equal('hello');
    const big = await pool.readSmall(path.join(dir, 'real', 'big.bin'), 100);
    expect(big).to.deep.include({ data: null });
    expect('stat' in big && big.stat).to.include({ type: 'file', size: 5000 });
    const folder = await pool.readSmall(path.join(dir, 'real'), 100);
    expect('stat' in folder && folder.stat?.type).to.equal('directory');
  });

  it('never reads through a symlinked folder or a symlink, and reports missing files', async () => {
    expect(await pool.readSmall(path.join(dir, 'link', 'small.txt'), 100)).to.deep.equal({ errno: 'ENOENT' });
    fs.symlinkSync(path.join(dir, 'real', 'small.txt'), path.join(dir, 'real', 'alias.txt'));
    expect(await pool.readSmall(path.join(dir, 'real', 'alias.txt'), 100)).to.deep.equal({ errno: 'ENOENT' });
    expect(await pool.readSmall(path.join(dir, 'real', 'nope'), 100)).to.deep.equal({ errno: 'ENOENT' });
  });

  it('stats a batch of names in one job: files and folders, never symlinks, nothing for what is gone', async () => {
    fs.mkdirSync(path.join(dir, 'real', 'sub'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'real', 'small.txt'), path.join(dir, 'real', 'pointer'));
    const names = ['small.txt', 'sub', 'pointer', 'vanished', 'big.bin'];
    const packed = await pool.statNames(path.join(dir, 'real'), names);
    const stats = names.map((_, i) => unpackStat(packed, i));
    const onDisk = fs.statSync(path.join(dir, 'real', 'big.bin'));
    expect(stats.map((s) => s?.type ?? null)).to.deep.equal(['file', 'directory', null, null, 'file']);
    expect(stats[0]).to.include({ size: 5 });
    expect(stats[4]).to.include({ size: 5000, ino: onDisk.ino, mtimeMs: onDisk.mtimeMs });
    expect(await pool.statNames(path.join(dir, 'missing'), ['a'])).to.deep.equal(new Float64Array(5));
  });

  it('answers at once for a FIFO instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'real', 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(await pool.readSmall(fifo, 100)).to.deep.equal({ stat: null, data: null });
  });

  it('adds a spare thread while the first is stuck on a job, and stops it when idle', async () => {
    const adaptive = new FsWorkerPool({ stuckMs: 0, spareIdleMs: 50 });
    try {
      await adaptive.readSmall(path.join(dir, 'real', 'small.txt'), 100);
      expect(adaptive.threads).to.equal(1);
      // With stuckMs 0 a busy thread counts as stuck at once: a second job in flight gets a spare.
      const both = Promise.all([adaptive.readSmall(path.join(dir, 'real', 'small.txt'), 100), adaptive.readSmall(path.join(dir, 'real', 'big.bin'), 100)]);
      expect(adaptive.threads).to.equal(2);
      expect((await both).map((r) => 'stat' in r && r.stat?.type)).to.deep.equal(['file', 'file']);
      await until(() => adaptive.threads === 1);
    } finally {
      await adaptive.close();
    }
  });

  it('hashes on a thread of its own, so short jobs never wait behind a hash, and stops it when idle', async () => {
    // A stuck job would never start a spare here: only the hashing thread can be the second one.
    const hashing = new FsWorkerPool({ stuckMs: 60_000, spareIdleMs: 50 });
    try {
      await hashing.readSmall(path.join(dir, 'real', 'small.txt'), 100);
      const hash = hashing.hashFile(path.join(dir, 'real', 'big.bin'));
      const read = hashing.readSmall(path.join(dir, 'real', 'small.txt'), 100);
      expect(hashing.threads).to.equal(2);
      const expected = Buffer.alloc(5000, 1);
      expect(await hash).to.deep.include({
        hashes: { md5: crypto.createHash('md5').update(expected).digest('hex'), sha1: crypto.createHash('sha1').update(expected).digest('hex') },
        changed: false,
      });
      const small = await read;
      expect('stat' in small && Buffer.from(small.data ?? []).toString()).to.equal('hello');
      await until(() => hashing.threads === 1);
      expect(await hashing.hashFile(path.join(dir, 'real', 'nope'))).to.deep.equal({ errno: 'ENOENT' });
    } finally {
      await hashing.close();
    }
  });

  it('refuses jobs once closed', async () => {
    const closed = new FsWorkerPool();
    await closed.readSmall(path.join(dir, 'real', 'small.txt'), 100);
    await closed.close();
    const err = await closed.readSmall(path.join(dir, 'real', 'small.txt'), 100).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/closed/);
  });
});
