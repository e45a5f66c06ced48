/**
 * The body of one storage worker thread (see fs-pool.ts): it runs a few file system calls in a
 * row, synchronously, for one job, so the event loop pays one hand-off to another thread per
 * job instead of one per call (hashing a file, the one long job, runs on a thread of its own). It
 * knows nothing of keys or users: it gets absolute paths that LocalBackend built under its root,
 * and answers with plain data or an errno code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import type { FsJob, FsJobResult, FsReply } from './fs-jobs.js';
import { changedWhileRead, packStat, rawStatOf, STAT_FIELDS, type RawStat } from './raw-stat.js';

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EIO';
}

/** lstat as a RawStat, or the errno code when it fails. */
function tryLstat(p: string): RawStat | null | { errno: string } {
  try {
    return rawStatOf(fs.lstatSync(p));
  } catch (err) {
    return { errno: errnoOf(err) };
  }
}

/** Whether `dir` resolves to itself (no symlink on the way); the errno code when it cannot be resolved. */
function isReal(dir: string): boolean | { errno: string } {
  try {
    return fs.realpathSync.native(dir) === dir;
  } catch (err) {
    return { errno: errnoOf(err) };
  }
}

/** Opens an entry below a real folder for reading, never through a symlink (ENOENT then); the fd or the errno code. */
function openNoFollow(abs: string): number | { errno: string } {
  const real = isReal(path.dirname(abs));
  if (real !== true) return real === false ? { errno: 'ENOENT' } : real;
  try {
    // O_NONBLOCK: opening a FIFO placed in a share would otherwise wait for a writer forever.
    return fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoOf(err);
    return { errno: code === 'ELOOP' ? 'ENOENT' : code };
  }
}

/** Opens a file below a real folder, never through a symlink; reads it whole when it is at most maxBytes. */
function readSmall(abs: string, maxBytes: number): FsJobResult {
  const fd = openNoFollow(abs);
  if (typeof fd !== 'number') return { kind: 'read', outcome: fd };
  try {
    const stat = rawStatOf(fs.fstatSync(fd));
    if (!stat || stat.type !== 'file' || stat.size > maxBytes) return { kind: 'read', outcome: { stat, data: null } };
    const data = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < stat.size) {
      const n = fs.readSync(fd, data, filled, stat.size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return { kind: 'read', outcome: { stat, data: filled === stat.size ? data : data.slice(0, filled) } };
  } catch (err) {
    return { kind: 'read', outcome: { errno: errnoOf(err) } };
  } finally {
    fs.closeSync(fd);
  }
}

const HASH_CHUNK = 1024 * 1024;
/** One read buffer for every hash job: each chunk is hashed before the job gives up the thread. */
let hashBuffer: Buffer | undefined;

/**
 * MD5 and SHA-1 of a file, read HASH_CHUNK bytes at a time. After each chunk the job gives the
 * thread's event loop a turn, so the other hash job that may run at the same time (on the same
 * hashing thread) goes on instead of waiting behind a big file. An fstat after the last chunk tells whether the file
 * changed while it was read.
 */
async function hashFile(abs: string): Promise<FsJobResult> {
  const fd = openNoFollow(abs);
  if (typeof fd !== 'number') return { kind: 'hash', outcome: fd };
  try {
    const before = rawStatOf(fs.fstatSync(fd));
    if (!before || before.type !== 'file') return { kind: 'hash', outcome: { stat: before, hashes: null, changed: false } };
    const md5 = crypto.createHash('md5');
    const sha1 = crypto.createHash('sha1');
    const buf = (hashBuffer ??= Buffer.allocUnsafe(HASH_CHUNK));
    let read = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, read);
      if (n === 0) break;
      md5.update(buf.subarray(0, n));
      sha1.update(buf.subarray(0, n));
      read += n;
      await nextTurn();
    }
    const after = rawStatOf(fs.fstatSync(fd));
    const changed = changedWhileRead(before, after, read);
    return { kind: 'hash', outcome: { stat: before, hashes: { md5: md5.digest('hex'), sha1: sha1.digest('hex') }, changed } };
  } catch (err) {
    return { kind: 'hash', outcome: { errno: errnoOf(err) } };
  } finally {
    fs.closeSync(fd);
  }
}

/** lstat of each name in `dir`, packed; an entry that vanished or is neither file nor folder packs as none. */
function statNames(dir: string, names: string[]): FsJobResult {
  const packed = new Float64Array(names.length * STAT_FIELDS);
  names.forEach((name, i) => {
    // Gone or unreadable since the readdir: packed as none, left out of the listing.
    const raw = tryLstat(path.join(dir, name));
    packStat(packed, i, raw && !('errno' in raw) ? raw : null);
  });
  return { kind: 'stats', packed };
}

function run(job: FsJob): FsJobResult | Promise<FsJobResult> {
  switch (job.op) {
    case 'readSmall':
      return readSmall(job.abs, job.maxBytes);
    case 'statNames':
      return statNames(job.dir, job.names);
    case 'hashFile':
      return hashFile(job.abs);
  }
}

/** The buffers of a result to transfer rather than copy. */
function transferOf(result: FsJobResult | undefined): ArrayBuffer[] {
  if (result?.kind === 'stats') return [result.packed.buffer];
  if (result?.kind === 'read' && 'data' in result.outcome && result.outcome.data) return [result.outcome.data.buffer];
  return [];
}

parentPort?.on('message', async ({ id, job }: { id: number; job: FsJob }) => {
  let reply: FsReply;
  try {
    reply = { id, result: await run(job) };
  } catch (err) {
    reply = { id, failure: (err as Error).message };
  }
  parentPort?.postMessage(reply, transferOf(reply.result));
});
