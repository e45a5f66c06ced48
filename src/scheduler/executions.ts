import type { Knex } from 'knex';
import { AppError } from '../lib/errors.js';
import { isUniqueViolation } from '../lib/unique-violation.js';
import type { ExecutionStatus, ExecutionTrigger, ExecutionView } from './types.js';

const TABLE = 'scheduler_executions';
/** Reports larger than this are replaced by a note: the history is for people, not bulk data. */
const MAX_REPORT_BYTES = 64 * 1024;
const MAX_MESSAGE_CHARS = 2000;

interface ExecutionRow {
  id: number;
  job_name: string;
  trigger: ExecutionTrigger;
  status: ExecutionStatus;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  heartbeat_at: number | null;
  progress: number | null;
  message: string | null;
  report: string | null;
  requested_by: string | null;
  retry_of: number | null;
}

function toView(row: ExecutionRow): ExecutionView {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    job: row.job_name,
    trigger: row.trigger,
    status: row.status,
    queuedAt: Number(row.queued_at),
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
    durationMs: num(row.duration_ms),
    progress: num(row.progress),
    message: row.message,
    report: row.report === null ? null : JSON.parse(row.report),
    requestedBy: row.requested_by,
    retryOf: num(row.retry_of),
  };
}

function reportText(report: unknown): string | null {
  if (report === undefined) return null;
  const text = JSON.stringify(report) ?? null;
  if (text !== null && Buffer.byteLength(text) > MAX_REPORT_BYTES) return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(text) });
  return text;
}

/**
 * The executions history. A partial unique index allows one queued-or-running execution per job
 * across all nasd processes, which is what makes "run now" answer 409 and keeps two schedulers
 * from running the same job at once. Runs whose heartbeat stopped (a crashed process) are
 * swept to `failed` so they do not block the job forever.
 */
export class ExecutionStore {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  private table(): Knex.QueryBuilder<ExecutionRow> {
    return this.knex<ExecutionRow>(TABLE);
  }

  private async insert(row: Partial<ExecutionRow>): Promise<number | null> {
    try {
      const [inserted] = await this.table().insert(row).returning('id');
      return Number(typeof inserted === 'object' ? inserted.id : inserted);
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** Queues a manual run or retry; CONFLICT when the job already has one queued or running. */
  async enqueue(job: string, trigger: ExecutionTrigger, requestedBy: string, retryOf: number | null = null): Promise<number> {
    const id = await this.insert({ job_name: job, trigger, status: 'queued', queued_at: this.now(), requested_by: requestedBy, retry_of: retryOf });
    if (id === null) throw new AppError('CONFLICT', `job ${job} is already queued or running`);
    return id;
  }

  /** Removes a queued execution that could not be handed to agenda. */
  async discard(id: number): Promise<void> {
    await this.table().where({ id, status: 'queued' }).delete();
  }

  /** Starts a queued execution; false when it is no longer queued (swept or taken). */
  async startQueued(id: number): Promise<boolean> {
    const now = this.now();
    const changed = await this.table().where({ id, status: 'queued' }).update({ status: 'running', started_at: now, heartbeat_at: now });
    return changed === 1;
  }

  /** Records the start of a scheduled run; null when another execution of the job is active. */
  startScheduled(job: string): Promise<number | null> {
    const now = this.now();
    return this.insert({ job_name: job, trigger: 'schedule', status: 'running', queued_at: now, started_at: now, heartbeat_at: now });
  }

  async heartbeat(id: number, progress?: number): Promise<void> {
    await this.table().where({ id, status: 'running' }).update({ heartbeat_at: this.now(), ...(progress === undefined ? {} : { progress }) });
  }

  /** Ends a running execution; false when it had already been swept. */
  async finish(id: number, outcome: 'ok' | 'failed', message: string | null, report: unknown): Promise<boolean> {
    const row = await this.table().where({ id }).first();
    if (!row || row.status !== 'running') return false;
    const now = this.now();
    const changed = await this.table()
      .where({ id, status: 'running' })
      .update({
        status: outcome,
        finished_at: now,
        duration_ms: now - Number(row.started_at ?? now),
        progress: outcome === 'ok' ? 100 : row.progress,
        message: message === null ? null : message.slice(0, MAX_MESSAGE_CHARS),
        report: reportText(report),
      });
    return changed === 1;
  }

  /**
   * Fails executions that cannot be alive: running without a heartbeat for `runningMs`, or queued
   * for `queuedMs` without any scheduler picking them up. Returns how many.
   */
  async sweep(runningMs: number, queuedMs: number): Promise<number> {
    const now = this.now();
    const stale = (status: ExecutionStatus, column: 'heartbeat_at' | 'queued_at', before: number, message: string) =>
      this.table().where({ status }).andWhere(column, '<', before).update({ status: 'failed', finished_at: now, message });
    const a = await stale('running', 'heartbeat_at', now - runningMs, 'interrupted: the process running it stopped answering');
    const b = await stale('queued', 'queued_at', now - queuedMs, 'never started: no scheduler picked it up (is the scheduler enabled?)');
    return Number(a) + Number(b);
  }

  async get(id: number): Promise<ExecutionView | undefined> {
    const row = await this.table().where({ id }).first();
    return row ? toView(row) : undefined;
  }

  /** The queued or running execution of each job that has one. */
  async active(): Promise<Map<string, ExecutionView>> {
    const rows: ExecutionRow[] = await this.table().whereIn('status', ['queued', 'running']);
    return new Map(rows.map((r) => [r.job_name, toView(r)]));
  }

  /** The last finished execution of a job. */
  async lastFinished(job: string): Promise<ExecutionView | null> {
    const row = await this.table().where({ job_name: job }).whereIn('status', ['ok', 'failed']).orderBy('id', 'desc').first();
    return row ? toView(row) : null;
  }

  /** Newest first. */
  async list(job: string, limit: number, offset: number): Promise<{ items: ExecutionView[]; total: number }> {
    return this.search({ job }, limit, offset);
  }

  /** Newest first, across jobs, optionally one job's and/or one status's. */
  async search(filter: { job?: string; status?: ExecutionStatus }, limit: number, offset: number): Promise<{ items: ExecutionView[]; total: number }> {
    const base = () =>
      this.table().where((q) => {
        if (filter.job) q.where('job_name', filter.job);
        if (filter.status) q.where('status', filter.status);
      });
    const [{ count }] = await base().count<{ count: number | string }[]>({ count: '*' });
    const rows: ExecutionRow[] = await base().orderBy('id', 'desc').limit(limit).offset(offset);
    return { items: rows.map(toView), total: Number(count) };
  }

  /** Retention: drops a job's finished executions older than `maxAgeMs`, and beyond the newest `keep`. */
  async prune(job: string, maxAgeMs: number, keep: number): Promise<number> {
    const finished = () => this.table().where({ job_name: job }).whereIn('status', ['ok', 'failed']);
    let removed = Number(await finished().andWhere('finished_at', '<', this.now() - maxAgeMs).delete());
    const boundary = await finished().orderBy('id', 'desc').offset(keep).first('id');
    if (boundary) removed += Number(await finished().andWhere('id', '<=', boundary.id).delete());
    return removed;
  }
}
