import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import { ConcurrencyLimit } from '../lib/concurrency-limit.js';
import { subjectKey, type QuotaLedger, type QuotaSubject } from './quota.js';

/** Runs `step` after every step queued before it in the same batch, one at a time. */
export type Serial = <T>(step: () => Promise<T>) => Promise<T>;

/** One file commit waiting for a batch: what it locks, then its own work inside the batch's transaction. */
export interface CommitMember<T> {
  /** The storage key committed; one batch never holds two commits of one key. */
  key: string;
  /** The quota subject whose usage rows the commit changes, read inside the transaction. */
  subject(trx: Knex.Transaction): Promise<QuotaSubject>;
  /**
   * The commit itself. Database checks and writes go through `serial`, so they run one member at
   * a time and see the members before them; disk work runs outside it, overlapping the other
   * members'. A member that fails with a VfsError must leave nothing of its own in the
   * transaction (the other members still commit); any other error rolls back the whole batch.
   */
  commit(trx: Knex.Transaction, serial: Serial): Promise<T>;
}

interface Queued {
  member: CommitMember<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Commits booked in one transaction at most; more wait for the next batch. */
const MAX_BATCH = 64;
/** How long a batch about to start waits for small writes still flushing their temp file (ms). */
const GATHER_MS = 2;

/**
 * Group commit for file writes. A commit arriving while none runs starts at once, alone; those
 * arriving meanwhile wait and then go together, in ONE database transaction, when they book to
 * the same quota subject (the usage rows of one user, and of one share): those rows are locked
 * first, then each member renames its file into place, has its folder flushed and books it.
 * Under load the transaction's fixed cost (BEGIN, COMMIT, the lock rows, on SQLite the one
 * connection held) is paid once per batch instead of once per file, and the renames and folder
 * flushes of a batch overlap. A member is answered only after the transaction committed, so no
 * client hears "created" before its bytes and its new name are on disk and its booking is
 * committed. Members of another subject wait for a batch of their own.
 */
export class CommitBatcher {
  private readonly waiting: Queued[] = [];
  private running = false;
  /** Small writes flushing their temp file, which will commit soon (see expect). */
  private coming = 0;
  private onArrival?: () => void;

  constructor(
    private readonly knex: Knex,
    private readonly ledger: QuotaLedger,
  ) {}

  /**
   * Announces a small write that is flushing its temp file and will commit within moments: a
   * batch about to start waits for it (GATHER_MS at most), so writes of many clients at once
   * share one transaction and one folder flush. Call the returned function once the write
   * reaches run() or fails (calling it again does nothing). A lone writer never waits: its own
   * announcement has ended when its commit starts.
   */
  expect(): () => void {
    this.coming++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.coming--;
      this.onArrival?.();
    };
  }

  run<T>(member: CommitMember<T>, arrived?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ member, resolve: resolve as (value: unknown) => void, reject });
      arrived?.();
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        if (this.coming > 0) await this.gather();
        await this.runBatch(this.takeBatch());
      }
    } finally {
      this.running = false;
    }
  }

  /** Waits (GATHER_MS at most) while announced writes are still on their way. */
  private async gather(): Promise<void> {
    const until = performance.now() + GATHER_MS;
    while (this.coming > 0 && this.waiting.length < MAX_BATCH) {
      const left = until - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.onArrival = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.onArrival = undefined;
  }

  /** The oldest waiting members, at most MAX_BATCH, skipping a second commit of a key already taken. */
  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < MAX_BATCH; ) {
      const q = this.waiting[i]!;
      if (keys.has(q.member.key)) {
        i++;
        continue;
      }
      keys.add(q.member.key);
      batch.push(q);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async runBatch(taken: Queued[]): Promise<void> {
    let batch = taken;
    let outcomes: Array<PromiseSettledResult<unknown>>;
    try {
      outcomes = await this.knex.transaction(async (trx) => {
        const subjects = await Promise.all(taken.map((q) => q.member.subject(trx)));
        // One subject per batch: its usage rows are what a lone commit locks, so batching adds
        // no lock order that another transaction could take the other way round.
        const first = subjectKey(subjects[0]!);
        batch = taken.filter((_, i) => subjectKey(subjects[i]!) === first);
        this.waiting.unshift(...taken.filter((_, i) => subjectKey(subjects[i]!) !== first));
        await this.ledger.lockSubject(trx, subjects[0]!);
        const oneAtATime = new ConcurrencyLimit(1);
        const serial: Serial = (step) => oneAtATime.run(step);
        const settled = await Promise.allSettled(batch.map((q) => q.member.commit(trx, serial)));
        const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof VfsError));
        if (broken) throw broken.reason;
        return settled;
      });
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    batch.forEach((q, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled') q.resolve(outcome.value);
      else q.reject(outcome.reason);
    });
  }
}
