import { toJobId, type JobParameters, type RemoveJobsOptions } from 'agenda';
import type { Knex } from 'knex';

/** The knex backend's table (created by migrations/20261128000600_scheduler.ts). */
export const JOBS_TABLE = 'scheduler_agenda_jobs';

/** One row of JOBS_TABLE as the driver returns it: times in epoch ms, booleans 0/1 on SQLite. */
export interface JobRow {
  id: string;
  name: string;
  priority: number;
  next_run_at: number | null;
  type: 'normal' | 'single';
  locked_at: number | null;
  last_finished_at: number | null;
  failed_at: number | null;
  fail_count: number | null;
  fail_reason: string | null;
  repeat_timezone: string | null;
  last_run_at: number | null;
  repeat_interval: string | null;
  data: string | null;
  repeat_at: string | null;
  disabled: boolean | number;
  progress: number | null;
  fork: boolean | number;
  last_modified_by: string | null;
  debounce_started_at: number | null;
  start_date: number | null;
  end_date: number | null;
  skip_days: string | null;
}

const date = (ms: number | null): Date | undefined => (ms === null || ms === undefined ? undefined : new Date(Number(ms)));
const ms = (d: Date | string | null | undefined): number | null => (d ? new Date(d).getTime() : null);

/** Row → agenda's JobParameters (Dates, booleans, parsed JSON), as the PostgreSQL backend returns them. */
export function toJob(row: JobRow): JobParameters {
  return {
    _id: toJobId(row.id),
    name: row.name,
    priority: Number(row.priority),
    nextRunAt: date(row.next_run_at) ?? null,
    type: row.type,
    lockedAt: date(row.locked_at),
    lastFinishedAt: date(row.last_finished_at),
    failedAt: date(row.failed_at),
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    repeatTimezone: row.repeat_timezone ?? undefined,
    lastRunAt: date(row.last_run_at),
    repeatInterval: row.repeat_interval ?? undefined,
    data: row.data === null ? null : JSON.parse(row.data),
    repeatAt: row.repeat_at ?? undefined,
    disabled: Boolean(row.disabled),
    progress: row.progress ?? undefined,
    fork: Boolean(row.fork),
    lastModifiedBy: row.last_modified_by ?? undefined,
    debounceStartedAt: date(row.debounce_started_at),
    startDate: date(row.start_date),
    endDate: date(row.end_date),
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
  };
}

/** The columns `saveJob` writes (definition fields, never the processor's lock/run state). */
export function definitionColumns(job: JobParameters, lastModifiedBy: string | undefined): Partial<JobRow> {
  return {
    name: job.name,
    priority: job.priority ?? 0,
    next_run_at: ms(job.nextRunAt),
    type: job.type ?? 'normal',
    repeat_timezone: job.repeatTimezone ?? null,
    repeat_interval: job.repeatInterval === undefined || job.repeatInterval === null ? null : String(job.repeatInterval),
    data: job.data === undefined ? null : JSON.stringify(job.data),
    repeat_at: job.repeatAt ?? null,
    disabled: job.disabled ?? false,
    fork: job.fork ?? false,
    last_modified_by: lastModifiedBy ?? null,
    start_date: ms(job.startDate),
    end_date: ms(job.endDate),
    skip_days: job.skipDays ? JSON.stringify(job.skipDays) : null,
  };
}

/** The columns `saveJobState` writes: what the job processor owns. */
export function stateColumns(job: JobParameters, lastModifiedBy: string | undefined): Partial<JobRow> {
  return {
    locked_at: ms(job.lockedAt),
    next_run_at: ms(job.nextRunAt),
    last_run_at: ms(job.lastRunAt),
    progress: job.progress ?? null,
    fail_reason: job.failReason ?? null,
    fail_count: job.failCount ?? null,
    failed_at: ms(job.failedAt),
    last_finished_at: ms(job.lastFinishedAt),
    last_modified_by: lastModifiedBy ?? null,
  };
}

/** Columns a `unique` constraint may name directly (identifiers are never taken from input unchecked). */
export const UNIQUE_COLUMNS = new Set([
  'id', 'name', 'priority', 'next_run_at', 'type', 'locked_at', 'last_finished_at', 'failed_at', 'fail_count', 'fail_reason',
  'repeat_timezone', 'last_run_at', 'repeat_interval', 'repeat_at', 'disabled', 'progress', 'fork', 'last_modified_by',
  'debounce_started_at', 'start_date', 'end_date',
]);

/** JSON containment with PostgreSQL `@>` semantics: objects by key, arrays by element, scalars by value. */
export function jsonContains(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => jsonContains(v, p)));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const obj = value as Record<string, unknown>;
    return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => k in obj && jsonContains(obj[k], p));
  }
  return value === pattern;
}

/** Rows whose data contains `pattern` (undefined = every row). */
export function matchData(rows: JobRow[], pattern: unknown): JobRow[] {
  if (pattern === undefined) return rows;
  return rows.filter((r) => jsonContains(r.data === null ? null : JSON.parse(r.data), pattern));
}

/**
 * Applies the id / name criteria of RemoveJobsOptions to a query; false when no criterion at all
 * was given (callers then touch nothing, as the PostgreSQL backend does).
 */
export function whereOptions(q: Knex.QueryBuilder, options: RemoveJobsOptions): boolean {
  let any = options.data !== undefined;
  if (options.id) {
    q.where('id', String(options.id));
    any = true;
  } else if (options.ids && options.ids.length > 0) {
    q.whereIn('id', options.ids.map(String));
    any = true;
  }
  if (options.name) {
    q.where('name', options.name);
    any = true;
  } else if (options.names && options.names.length > 0) {
    q.whereIn('name', options.names);
    any = true;
  } else if (options.notNames && options.notNames.length > 0) {
    q.whereNotIn('name', options.notNames);
    any = true;
  }
  return any;
}
