import type { Knex } from 'knex';

/** The part of a scheduler job's state the missed-job rule reads (the scheduler's JobView fits). */
export interface JobState {
  name: string;
  enabled: boolean;
  intervalMs: number;
  nextRunAt: number | null;
  current: unknown;
}

/** Lateness below this never counts as missed: agenda polls, and a busy process starts jobs a little late. */
const MISSED_MIN_MARGIN_MS = 10 * 60_000;
/** Lateness above this always counts: a monthly scrub a day late already means nothing runs jobs. */
const MISSED_MAX_MARGIN_MS = 86_400_000;

/** How late a job may start before it counts as missed: its interval, at least 10 minutes, at most a day. */
export function missedMargin(intervalMs: number): number {
  return Math.min(MISSED_MAX_MARGIN_MS, Math.max(MISSED_MIN_MARGIN_MS, intervalMs));
}

/**
 * Enabled jobs whose due time passed by more than their margin while nothing ran them (no
 * execution queued or running): typically no process has the scheduler enabled, or it is stuck.
 */
export function missedJobs(jobs: JobState[], now: number): Array<{ name: string; dueAt: number; lateMs: number }> {
  const missed: Array<{ name: string; dueAt: number; lateMs: number }> = [];
  for (const j of jobs) {
    if (!j.enabled || j.nextRunAt === null || j.current) continue;
    const late = now - j.nextRunAt;
    if (late > missedMargin(j.intervalMs)) missed.push({ name: j.name, dueAt: j.nextRunAt, lateMs: late });
  }
  return missed;
}

/**
 * When each array's scrub last started successfully (scheduled or by hand: both go through the
 * audited `raid.scrub.start`), and since when the audit log has been recording (the baseline for
 * an array never scrubbed, so a fresh installation is not overdue on day one).
 */
export async function scrubHistory(knex: Knex): Promise<{ lastStarted: Map<string, number>; recordingSince: number | null }> {
  const rows: Array<{ target: string; at: number | string }> = await knex('audit_log')
    .where({ action: 'raid.scrub.start', outcome: 'success' })
    .whereNotNull('target')
    .groupBy('target')
    .select('target', knex.raw('max(at) as at'));
  const [first] = await knex('audit_log').min({ at: 'at' });
  const since = first?.at;
  return { lastStarted: new Map(rows.map((r) => [r.target, Number(r.at)])), recordingSince: since === null || since === undefined ? null : Number(since) };
}
