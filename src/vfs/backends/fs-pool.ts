import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FsJob, FsJobResult, FsReply } from './fs-jobs.js';

/**
 * Threads, about 9.5 MiB each: one reads small files and stats listings; a
 * second starts only when the first has been on one job for STUCK_MS (a slow or sleeping disk),
 * so work for other disks goes on, and stops after SPARE_IDLE_MS without work. Measured here,
 * two threads all the time served fewer small requests than one (two threads and the event loop
 * on two cores): GETs 11,200–11,400 against 12,500–12,800/s, PUTs about 700 against 720–840/s.
 * Hashing has a thread of its own, started on its first job and stopped like the spare: a hash
 * job runs for seconds while short jobs keep finishing around it, so it would never count as
 * stuck and every small request would wait behind its chunks.
 * Writes do not come here: a new small file is written and fdatasynced on libuv's pool, where
 * the fdatasyncs of files written at once run at once (see temp-write.ts).
 */
const THREADS = { usual: 1, most: 2 } as const;
const STUCK_MS = 50;
const SPARE_IDLE_MS = 30_000;
/** A worker holds one job's bytes at a time (at most a small file). */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 };

const here = fileURLToPath(import.meta.url);
/** fs-worker next to this file, with this file's extension (.js when built, .ts under the test loader). */
const WORKER_FILE = path.join(path.dirname(here), `fs-worker${path.extname(here)}`);

/**
 * Starts one worker. Run from the TypeScript sources (the tests, under tsx), the worker must
 * register tsx itself: module loader hooks belong to a thread, and a worker does not take them
 * from `--import` in its inherited options.
 */
function startWorker(): Worker {
  if (path.extname(WORKER_FILE) !== '.ts') return new Worker(WORKER_FILE, { resourceLimits: RESOURCE_LIMITS });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(WORKER_FILE).href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: RESOURCE_LIMITS });
}

interface Pending {
  resolve: (result: FsJobResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** When the job it is on started (performance.now()). */
  busySince: number;
  /** Stops a spare thread that stayed idle. */
  retire?: NodeJS.Timeout;
}

type ResultOf<K extends FsJobResult['kind']> = Extract<FsJobResult, { kind: K }>;

/**
 * A few worker threads that run short sequences of synchronous file system calls (fs-worker.ts)
 * for LocalBackend. Every asynchronous call of node:fs is one hand-off to libuv's thread pool and
 * back, and on a two-core machine those hand-offs cost more than the calls: measured here, a
 * small-file server that sent realpath + open + fstat + read + close to a worker as one job
 * answered 19,000–24,000 requests/s against 8,500–9,900 with five asynchronous calls. Jobs go
 * to the worker with the fewest waiting; a worker holds the process open only while it has
 * jobs. A worker that dies fails its jobs and is replaced on the next one.
 */
export class FsWorkerPool {
  private readonly slots: Slot[] = [];
  /** The thread for hash jobs, while there is one. */
  private hashing: Slot | undefined;
  private nextId = 1;
  private closed = false;

  /** `timing` is for tests: how long a job may run before a spare thread starts, and how long a spare may idle. */
  constructor(private readonly timing = { stuckMs: STUCK_MS, spareIdleMs: SPARE_IDLE_MS }) {}

  /** Threads running now, the hashing one included. */
  get threads(): number {
    return this.slots.length + (this.hashing ? 1 : 0);
  }

  async readSmall(abs: string, maxBytes: number): Promise<ResultOf<'read'>['outcome']> {
    return (await this.run('read', { op: 'readSmall', abs, maxBytes })).outcome;
  }

  /** MD5 and SHA-1 of a file (see fs-worker.ts hashFile), on the hashing thread. */
  async hashFile(abs: string): Promise<ResultOf<'hash'>['outcome']> {
    return (await this.run('hash', { op: 'hashFile', abs })).outcome;
  }

  /** lstat of each of `names` in `dir`, packed (see raw-stat.ts). */
  async statNames(dir: string, names: string[]): Promise<Float64Array> {
    return (await this.run('stats', { op: 'statNames', dir, names })).packed;
  }

  /** Stops the threads; jobs still waiting fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    if (this.hashing) slots.push(this.hashing);
    this.hashing = undefined;
    for (const s of slots) clearTimeout(s.retire);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) this.fail(s, new Error('the storage workers were closed'));
  }

  private run<K extends FsJobResult['kind']>(kind: K, job: FsJob): Promise<ResultOf<K>> {
    if (this.closed) return Promise.reject(new Error('the storage workers are closed'));
    const slot = job.op === 'hashFile' ? (this.hashing ??= this.spawn('hashing')) : this.pick();
    const id = this.nextId++;
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const check = (result: FsJobResult) => {
        if (result.kind === kind) resolve(result as ResultOf<K>);
        else reject(new Error(`storage worker answered ${result.kind} to ${job.op}`));
      };
      slot.pending.set(id, { resolve: check, reject });
      if (slot.pending.size === 1) {
        slot.busySince = performance.now();
        clearTimeout(slot.retire);
        slot.worker.ref();
      }
      slot.worker.postMessage({ id, job });
    });
  }

  /**
   * An idle worker; else a new one while there are fewer than the usual threads, or all of them
   * are stuck on a job and there may be more; else the least busy.
   */
  private pick(): Slot {
    const slots = this.slots;
    const idle = slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    const now = performance.now();
    const allStuck = slots.every((s) => now - s.busySince >= this.timing.stuckMs);
    if (slots.length < THREADS.usual || (allStuck && slots.length < THREADS.most)) return this.spawn('short');
    // Fewest waiting; on a tie the one whose job started last, the less likely to be stuck.
    return slots.reduce((a, b) => (b.pending.size < a.pending.size || (b.pending.size === a.pending.size && b.busySince > a.busySince) ? b : a));
  }

  /** Starts a thread for short jobs (one of `slots`) or the hashing thread. */
  private spawn(lane: 'short' | 'hashing'): Slot {
    const slots = this.slots;
    const worker = startWorker();
    const slot: Slot = { worker, pending: new Map(), busySince: performance.now() };
    worker.unref();
    worker.on('message', (reply: FsReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size > 0) slot.busySince = performance.now();
      else this.rest(slot);
      if (reply.result) pending.resolve(reply.result);
      else pending.reject(new Error(`storage worker failed: ${reply.failure ?? 'no answer'}`));
    });
    const gone = (err: Error) => {
      clearTimeout(slot.retire);
      this.drop(slot);
      this.fail(slot, err);
    };
    worker.on('error', (err) => gone(err));
    worker.on('exit', (code) => gone(new Error(`storage worker stopped (exit code ${code})`)));
    if (lane === 'short') slots.push(slot);
    return slot;
  }

  /** A spare thread or the hashing thread: one that stops when it has been idle a while. */
  private isExtra(slot: Slot): boolean {
    return slot === this.hashing || this.slots.length > THREADS.usual;
  }

  /** Forgets a thread, so no job goes to it any more. */
  private drop(slot: Slot): void {
    if (slot === this.hashing) this.hashing = undefined;
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  /** A worker ran out of jobs: it no longer holds the process open, and an extra one stops after a while. */
  private rest(slot: Slot): void {
    slot.worker.unref();
    if (!this.isExtra(slot)) return;
    slot.retire = setTimeout(() => {
      if (slot.pending.size > 0 || !this.isExtra(slot)) return;
      this.drop(slot);
      void slot.worker.terminate();
    }, this.timing.spareIdleMs);
    slot.retire.unref();
  }

  private fail(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  }
}
