import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FsJob, FsJobResult, FsReply } from './fs-jobs.js';

/**
 * Threads per lane, about 8 MiB each. The data lane reads small files and writes new ones with
 * one thread; a second starts only when the first has been on one job for STUCK_MS (a slow or
 * sleeping disk), so work for other disks goes on, and stops after SPARE_IDLE_MS without work.
 * Measured here, two data threads all the time served fewer small requests than one (two
 * threads and the event loop on two cores): GETs 11,200–11,400 against 12,500–12,800/s, PUTs
 * about 700 against 720–840/s. The commit lane runs only what a commit does while it holds
 * the database transaction, so it never waits behind a new file's fsync: with the commit's
 * calls queued behind fsyncs the transactions became the bottleneck of small PUTs (3.4 ms
 * waiting for the transaction per PUT, 510–530 PUTs/s; with the commit lane 1.2 ms and
 * 660–680 PUTs/s).
 */
const LANES = { data: { threads: 1, most: 2 }, commit: { threads: 1, most: 1 } } as const;
type Lane = keyof typeof LANES;
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
 * to the worker of their lane with the fewest waiting; a worker holds the process open only
 * while it has jobs. A worker that dies fails its jobs and is replaced on the next one.
 */
export class FsWorkerPool {
  private readonly lanes: Record<Lane, Slot[]> = { data: [], commit: [] };
  private nextId = 1;
  private closed = false;

  /** `timing` is for tests: how long a job may run before the data lane adds a spare, and how long a spare may idle. */
  constructor(private readonly timing = { stuckMs: STUCK_MS, spareIdleMs: SPARE_IDLE_MS }) {}

  /** Threads running now, per lane. */
  get threads(): Record<Lane, number> {
    return { data: this.lanes.data.length, commit: this.lanes.commit.length };
  }

  async readSmall(abs: string, maxBytes: number): Promise<ResultOf<'read'>['outcome']> {
    return (await this.run('data', 'read', { op: 'readSmall', abs, maxBytes })).outcome;
  }

  async probe(abs: string): Promise<ResultOf<'probe'>> {
    return this.run('data', 'probe', { op: 'probe', abs });
  }

  /** What a commit checks before its rename (commit lane). */
  async prepareCommit(abs: string, temp: string, mtimeMs: number | undefined): Promise<ResultOf<'commit'>> {
    return this.run('commit', 'commit', { op: 'prepareCommit', abs, temp, mtimeMs: mtimeMs ?? null });
  }

  /** Creates `file` (which must not exist) with `data`, flushed to disk; the errno code on failure. */
  async createFile(file: string, data: Uint8Array, mode: number): Promise<string | null> {
    return (await this.run('data', 'done', { op: 'createFile', file, data, mode })).errno;
  }

  /** The rename that commits a file (commit lane). */
  async rename(from: string, to: string): Promise<string | null> {
    return (await this.run('commit', 'done', { op: 'rename', from, to })).errno;
  }

  /** lstat of each of `names` in `dir`, packed (see raw-stat.ts); data lane. */
  async statNames(dir: string, names: string[]): Promise<Float64Array> {
    return (await this.run('data', 'stats', { op: 'statNames', dir, names })).packed;
  }

  /** Stops the threads; jobs still waiting fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.lanes.data.splice(0), ...this.lanes.commit.splice(0)];
    for (const s of slots) clearTimeout(s.retire);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) this.fail(s, new Error('the storage workers were closed'));
  }

  private run<K extends FsJobResult['kind']>(lane: Lane, kind: K, job: FsJob): Promise<ResultOf<K>> {
    if (this.closed) return Promise.reject(new Error('the storage workers are closed'));
    const slot = this.pick(lane);
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
   * An idle worker of the lane; else a new one while the lane has fewer than its threads, or
   * all of them are stuck on a job and it may have more; else the least busy.
   */
  private pick(lane: Lane): Slot {
    const slots = this.lanes[lane];
    const idle = slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    const now = performance.now();
    const allStuck = slots.every((s) => now - s.busySince >= this.timing.stuckMs);
    if (slots.length < LANES[lane].threads || (allStuck && slots.length < LANES[lane].most)) return this.spawn(lane);
    // Fewest waiting; on a tie the one whose job started last, the less likely to be stuck.
    return slots.reduce((a, b) => (b.pending.size < a.pending.size || (b.pending.size === a.pending.size && b.busySince > a.busySince) ? b : a));
  }

  private spawn(lane: Lane): Slot {
    const slots = this.lanes[lane];
    const worker = startWorker();
    const slot: Slot = { worker, pending: new Map(), busySince: performance.now() };
    worker.unref();
    worker.on('message', (reply: FsReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size > 0) slot.busySince = performance.now();
      else this.rest(lane, slot);
      if (reply.result) pending.resolve(reply.result);
      else pending.reject(new Error(`storage worker failed: ${reply.failure ?? 'no answer'}`));
    });
    const gone = (err: Error) => {
      clearTimeout(slot.retire);
      const at = slots.indexOf(slot);
      if (at >= 0) slots.splice(at, 1);
      this.fail(slot, err);
    };
    worker.on('error', (err) => gone(err));
    worker.on('exit', (code) => gone(new Error(`storage worker stopped (exit code ${code})`)));
    slots.push(slot);
    return slot;
  }

  /** A worker ran out of jobs: it no longer holds the process open, and a spare one stops after a while. */
  private rest(lane: Lane, slot: Slot): void {
    slot.worker.unref();
    if (this.lanes[lane].length <= LANES[lane].threads) return;
    slot.retire = setTimeout(() => {
      const slots = this.lanes[lane];
      if (slot.pending.size > 0 || slots.length <= LANES[lane].threads) return;
      slots.splice(slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }, this.timing.spareIdleMs);
    slot.retire.unref();
  }

  private fail(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  }
}
