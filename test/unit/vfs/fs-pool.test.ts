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

  it('probes a key: real folder or not, and what is there', async () => {
    expect(await pool.probe(path.join(dir, 'real', 'small.txt'))).to.deep.include({ real: true });
    expect((await pool.probe(path.join(dir, 'real', 'new.txt'))).entry).to.deep.equal({ errno: 'ENOENT' });
    expect((await pool.probe(path.join(dir, 'link', 'small.txt'))).real).to.equal(false);
    expect((await pool.probe(path.join(dir, 'real', 'small.txt', 'below'))).entry).to.deep.equal({ errno: 'ENOTDIR' });
    expect((await pool.probe(path.join(dir, 'missing', 'x'))).real).to.deep.equal({ errno: 'ENOENT' });
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

  it('creates a new file with its bytes and mode, never over an existing one', async () => {
    const file = path.join(dir, 'real', 'created.bin');
    expect(await pool.createFile(file, Buffer.from('abc'), 0o640)).to.equal(null);
    expect(fs.readFileSync(file, 'utf8')).to.equal('abc');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o640 & ~process.umask());
    expect(await pool.createFile(file, Buffer.from('xyz'), 0o640)).to.equal('EEXIST');
    expect(fs.readFileSync(file, 'utf8')).to.equal('abc');
  });

  it('answers at once for a FIFO instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'real', 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(await pool.readSmall(fifo, 100)).to.deep.equal({ stat: null, data: null });
  });

  it('adds a spare thread while the first is stuck on a job, and stops it when idle', async () => {
    const adaptive = new FsWorkerPool({ stuckMs: 0, spareIdleMs: 50 });
    try {
      await adaptive.probe(path.join(dir, 'real'));
      expect(adaptive.threads).to.equal(1);
      // With stuckMs 0 a busy thread counts as stuck at once: a second job in flight gets a spare.
      const both = Promise.all([adaptive.probe(path.join(dir, 'real')), adaptive.probe(path.join(dir, 'real', 'small.txt'))]);
      expect(adaptive.threads).to.equal(2);
      expect((await both).map((p) => p.real)).to.deep.equal([true, true]);
      await until(() => adaptive.threads === 1);
    } finally {
      await adaptive.close();
    }
  });

  it('hashes on a thread of its own, so short jobs never wait behind a hash, and stops it when idle', async () => {
    // A stuck job would never start a spare here: only the hashing thread can be the second one.
    const hashing = new FsWorkerPool({ stuckMs: 60_000, spareIdleMs: 50 });
    try {
      await hashing.probe(path.join(dir, 'real'));
      const hash = hashing.hashFile(path.join(dir, 'real', 'big.bin'));
      const probe = hashing.probe(path.join(dir, 'real', 'small.txt'));
      expect(hashing.threads).to.equal(2);
      const expected = Buffer.alloc(5000, 1);
      expect(await hash).to.deep.include({
        hashes: { md5: crypto.createHash('md5').update(expected).digest('hex'), sha1: crypto.createHash('sha1').update(expected).digest('hex') },
        changed: false,
      });
      expect((await probe).real).to.equal(true);
      await until(() => hashing.threads === 1);
      expect(await hashing.hashFile(path.join(dir, 'real', 'nope'))).to.deep.equal({ errno: 'ENOENT' });
    } finally {
      await hashing.close();
    }
  });

  it('refuses jobs once closed', async () => {
    const closed = new FsWorkerPool();
    await closed.probe(path.join(dir, 'real'));
    await closed.close();
    const err = await closed.probe(path.join(dir, 'real')).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/closed/);
  });
});
