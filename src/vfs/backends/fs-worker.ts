/**
 * The body of one storage worker thread (see fs-pool.ts): it runs a few file system calls in a
 * row, synchronously, for one job, so the event loop pays one hand-off to another thread per
 * job instead of one per call. It knows nothing of keys or users: it gets absolute paths that
 * LocalBackend built under its root, and answers with plain data or an errno code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { FsJob, FsJobResult, FsReply } from './fs-jobs.js';
import { packStat, rawStatOf, STAT_FIELDS, type RawStat } from './raw-stat.js';

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

/** Opens a file below a real folder, never through a symlink; reads it whole when it is at most maxBytes. */
function readSmall(abs: string, maxBytes: number): FsJobResult {
  const real = isReal(path.dirname(abs));
  if (real !== true) return { kind: 'read', outcome: real === false ? { errno: 'ENOENT' } : real };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO placed in a share would otherwise wait for a writer forever.
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoOf(err);
    return { kind: 'read', outcome: { errno: code === 'ELOOP' ? 'ENOENT' : code } };
  }
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

/** Creates a new file with `data`, flushed to disk (fdatasync) before it is closed. */
function createFile(file: string, data: Uint8Array, mode: number): FsJobResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
  } catch (err) {
    return { kind: 'done', errno: errnoOf(err) };
  }
  try {
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
    // fdatasync: the bytes and what is needed to read them back (size, blocks), not the timestamps.
    fs.fdatasyncSync(fd);
    return { kind: 'done', errno: null };
  } catch (err) {
    fs.rmSync(file, { force: true });
    return { kind: 'done', errno: errnoOf(err) };
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

function run(job: FsJob): FsJobResult {
  switch (job.op) {
    case 'readSmall':
      return readSmall(job.abs, job.maxBytes);
    case 'probe':
      return { kind: 'probe', real: isReal(path.dirname(job.abs)), entry: tryLstat(job.abs) };
    case 'createFile':
      return createFile(job.file, job.data, job.mode);
    case 'statNames':
      return statNames(job.dir, job.names);
  }
}

/** The buffers of a result to transfer rather than copy. */
function transferOf(result: FsJobResult | undefined): ArrayBuffer[] {
  if (result?.kind === 'stats') return [result.packed.buffer];
  if (result?.kind === 'read' && 'data' in result.outcome && result.outcome.data) return [result.outcome.data.buffer];
  return [];
}

parentPort?.on('message', ({ id, job }: { id: number; job: FsJob }) => {
  let reply: FsReply;
  try {
    reply = { id, result: run(job) };
  } catch (err) {
    reply = { id, failure: (err as Error).message };
  }
  parentPort?.postMessage(reply, transferOf(reply.result));
});
