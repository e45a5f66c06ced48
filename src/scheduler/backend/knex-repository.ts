import crypto from 'node:crypto';
import {
  computeJobState,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobsSort,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import type { Knex } from 'knex';
import { definitionColumns, JOBS_TABLE, matchData, stateColumns, toJob, UNIQUE_COLUMNS, whereOptions, type JobRow } from './knex-rows.js';
import { isUniqueViolation } from '../../lib/unique-violation.js';
import { saveUnique } from './knex-unique.js';

/** Portable "NULLS LAST": `col IS NULL` sorts false (has a value) before true on both engines. */
function orderBy(sort: JobsSort | undefined): string {
  const cols: Array<[keyof JobsSort, string]> = [
    ['nextRunAt', 'next_run_at'],
    ['lastRunAt', 'last_run_at'],
    ['lastFinishedAt', 'last_finished_at'],
    ['priority', 'priority'],
    ['name', 'name'],
  ];
  const parts = cols
    .filter(([key]) => sort?.[key] !== undefined)
    .map(([key, col]) => {
      const dir = sort?.[key] === 'asc' ? 'ASC' : 'DESC';
      return col === 'priority' || col === 'name' ? `${col} ${dir}` : `${col} IS NULL, ${col} ${dir}`;
    });
  return parts.length > 0 ? parts.join(', ') : 'next_run_at IS NULL, next_run_at DESC, last_run_at IS NULL, last_run_at DESC';
}

/** Which jobs may be locked: due and unlocked, or locked so long ago that the lock expired. */
function lockable(q: Knex.QueryBuilder, nextScanAt: number, lockDeadline: number): void {
  q.where((w) => w.whereNull('locked_at').andWhere('next_run_at', '<=', nextScanAt)).orWhere('locked_at', '<=', lockDeadline);
}

/**
 * agenda's JobRepository on knex: nasd's scheduler storage on SQLite (and, for the shared
 * contract tests, on PostgreSQL). Locking is compare-and-set: a single UPDATE whose WHERE
 * re-checks that the job is still lockable, so two schedulers never both win the same job.
 */
export class KnexJobRepository implements JobRepository {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  private table(trx?: Knex.Transaction): Knex.QueryBuilder<JobRow> {
    return (trx ?? this.knex)<JobRow>(JOBS_TABLE);
  }

  private async row(id: string, trx?: Knex.Transaction): Promise<JobRow | undefined> {
    return this.table(trx).where({ id }).first();
  }

  async connect(): Promise<void> {
    await this.table().select('id').limit(1);
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const q = this.table();
    if (options.name) q.where('name', options.name);
    else if (options.names && options.names.length > 0) q.whereIn('name', options.names);
    if (options.id) q.where('id', options.id);
    else if (options.ids && options.ids.length > 0) q.whereIn('id', options.ids);
    if (options.search) q.whereRaw(`lower(name) like ? escape '\\'`, [`%${options.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    if (options.includeDisabled === false) q.where('disabled', false);
    const rows = matchData(await q.orderByRaw(orderBy(options.sort)), options.data);
    const now = new Date(this.now());
    let jobs: JobWithState[] = rows
      .map((r) => toJob(r))
      .map((job) => ({ ...job, _id: job._id as JobId, state: computeJobState(job, now) }))
      .filter((job) => !options.state || (options.state === 'paused' ? job.disabled === true : job.state === options.state));
    const total = jobs.length;
    const skip = options.skip ?? 0;
    if (options.limit && options.limit > 0) jobs = jobs.slice(skip, skip + options.limit);
    else if (skip > 0) jobs = jobs.slice(skip);
    return { jobs, total };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date(this.now());
    const byName = new Map<string, JobsOverview>();
    for (const row of await this.table().orderBy('name')) {
      const job = toJob(row);
      let o = byName.get(job.name);
      if (!o) {
        o = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        byName.set(job.name, o);
      }
      o.total++;
      o[computeJobState(job, now)]++;
      if (job.disabled) o.paused++;
    }
    return [...byName.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.table().distinct('name').orderBy('name');
    return rows.map((r) => r.name);
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = await this.row(id);
    return row ? toJob(row) : null;
  }

  async getQueueSize(): Promise<number> {
    const [{ count }] = await this.table().where('next_run_at', '<', this.now()).count<{ count: number | string }[]>({ count: '*' });
    return Number(count);
  }

  /** Ids matching the options (data is matched in JS, JSON being text here); null = no criterion. */
  private async idsFor(options: RemoveJobsOptions, trx: Knex.Transaction): Promise<string[] | null> {
    const q = this.table(trx);
    if (!whereOptions(q, options)) return null;
    return matchData(await q, options.data).map((r) => r.id);
  }

  private async updateMatching(options: RemoveJobsOptions, change: Partial<JobRow> | 'delete'): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const ids = await this.idsFor(options, trx);
      if (!ids || ids.length === 0) return 0;
      const q = this.table(trx).whereIn('id', ids);
      return Number(change === 'delete' ? await q.delete() : await q.update(change));
    });
  }

  removeJobs(options: RemoveJobsOptions): Promise<number> {
    return this.updateMatching(options, 'delete');
  }

  disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.updateMatching(options, { disabled: true });
  }

  enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.updateMatching(options, { disabled: false });
  }

  async purgeAllJobs(): Promise<number> {
    return this.table().delete();
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A job being processed has no nextRunAt; its lock is released when it finishes.
    await this.table().where('id', String(job._id)).whereNotNull('next_run_at').update({ locked_at: null });
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.table().whereIn('id', jobIds.map(String)).update({ locked_at: null });
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id || !job.nextRunAt) return undefined;
    const id = String(job._id);
    const changed = await this.table()
      .where({ id, name: job.name, disabled: false })
      .whereNull('locked_at')
      .andWhere('next_run_at', new Date(job.nextRunAt).getTime())
      .update({ locked_at: this.now(), last_modified_by: options?.lastModifiedBy ?? null });
    if (changed !== 1) return undefined;
    const row = await this.row(id);
    return row ? toJob(row) : undefined;
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const scan = nextScanAt.getTime();
    const deadline = lockDeadline.getTime();
    // Another scheduler may win the candidate between the SELECT and the UPDATE: then try the next one.
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = await this.table()
        .select('id')
        .where({ name: jobName, disabled: false })
        .andWhere((q) => lockable(q, scan, deadline))
        .orderByRaw('next_run_at IS NULL, next_run_at ASC, priority DESC')
        .first();
      if (!candidate) return undefined;
      const changed = await this.table()
        .where({ id: candidate.id, disabled: false })
        .andWhere((q) => lockable(q, scan, deadline))
        .update({ locked_at: (now ?? new Date(this.now())).getTime(), last_modified_by: options?.lastModifiedBy ?? null });
      if (changed === 1) {
        const row = await this.row(candidate.id);
        return row ? toJob(row) : undefined;
      }
    }
    return undefined;
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const changed = await this.table().where({ id: String(job._id), name: job.name }).update(stateColumns(job, options?.lastModifiedBy));
    if (changed !== 1) throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const { _id, unique, uniqueOpts } = job;
    const columns = definitionColumns(job as JobParameters, options?.lastModifiedBy);
    if (_id) {
      const changed = await this.table().where({ id: String(_id), name: job.name }).update({ ...columns, fail_reason: job.failReason ?? null, fail_count: job.failCount ?? null, failed_at: job.failedAt ? job.failedAt.getTime() : null });
      // A job removed meanwhile is returned as given, like the PostgreSQL backend does.
      if (changed === 0) return job;
      return toJob((await this.row(String(_id)))!) as JobParameters<DATA>;
    }
    if (job.type === 'single') return (await this.saveSingle(columns)) as JobParameters<DATA>;
    if (unique) {
      for (const key of Object.keys(unique)) {
        if (!key.startsWith('data.') && !UNIQUE_COLUMNS.has(key.replace(/([A-Z])/g, '_$1').toLowerCase())) {
          throw new Error(`Invalid unique constraint field: "${key}"`);
        }
      }
      const saved = await this.knex.transaction((trx) => saveUnique(() => this.table(trx), columns, unique, uniqueOpts, this.now(), () => crypto.randomUUID()));
      if (saved) return toJob(saved) as JobParameters<DATA>;
    }
    const id = crypto.randomUUID();
    await this.table().insert({ ...columns, id });
    return toJob((await this.row(id))!) as JobParameters<DATA>;
  }

  /**
   * Upsert of a `single` job (agenda's `every`): one row per name. A due nextRunAt does not move
   * an already scheduled one forward, so restarts do not reset a repeating job's schedule.
   */
  private async saveSingle(columns: Partial<JobRow>): Promise<JobParameters> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.knex.transaction(async (trx) => {
          const existing = await this.table(trx).where({ name: columns.name!, type: 'single' }).first();
          if (!existing) {
            const id = crypto.randomUUID();
            await this.table(trx).insert({ ...columns, id });
            return toJob((await this.row(id, trx))!);
          }
          const due = columns.next_run_at !== null && columns.next_run_at !== undefined && columns.next_run_at <= this.now();
          const next = due ? (existing.next_run_at ?? columns.next_run_at) : columns.next_run_at;
          const { name: _name, type: _type, ...rest } = columns;
          await this.table(trx).where({ id: existing.id }).update({ ...rest, next_run_at: next });
          return toJob((await this.row(existing.id, trx))!);
        });
      } catch (err) {
        // Two schedulers inserted the same single job at once: the loser updates the winner's row.
        if (attempt === 0 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }
}
