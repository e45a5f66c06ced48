import type { AuditLog } from '../audit/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../lib/log.js';
import { createSchedulerBackend } from './backend/index.js';
import { Scheduler, type SchedulerTiming } from './scheduler.js';
import type { ManagedJob } from './types.js';

export { Scheduler, type SchedulerOptions, type SchedulerTiming } from './scheduler.js';
export { createSchedulerBackend, knexBackend, postgresBackend, type SchedulerBackend } from './backend/index.js';
export { managedJobs, type ManagedJobSources } from './jobs.js';
export { formatInterval, MAX_INTERVAL_MS, MIN_INTERVAL_MS, parseInterval } from './interval.js';
export type { ExecutionStatus, ExecutionTrigger, ExecutionView, JobRunContext, JobView, ManagedJob } from './types.js';

/** What createNasd hands to openScheduler. */
export interface OpenSchedulerOptions {
  db: Database;
  /** config.databaseUrl: the PostgreSQL backend opens its own small pool from it. */
  databaseUrl: string | undefined;
  /** config.scheduler: `enabled` decides whether this process runs jobs (it can always queue them). */
  settings: SchedulerTiming & { enabled: boolean };
  audit: AuditLog;
  logger: Logger;
  jobs: ManagedJob[];
  /** Told of every finished run in this process (metrics). */
  onFinished?: (job: string, outcome: 'ok' | 'failed') => void;
}

/**
 * Builds the scheduler on the database's agenda backend, prepares the jobs' schedules, and starts
 * processing when the configuration allows it. Close it before closing the database.
 */
export async function openScheduler(options: OpenSchedulerOptions): Promise<Scheduler> {
  const { db, settings, logger } = options;
  const backend = await createSchedulerBackend({ knex: db.knex, kind: db.kind, databaseUrl: options.databaseUrl, logger });
  const scheduler = new Scheduler({ knex: db.knex, backend, audit: options.audit, logger, onFinished: options.onFinished, ...settings }, options.jobs);
  try {
    await scheduler.init();
    if (settings.enabled) await scheduler.start();
  } catch (err) {
    await scheduler.close(0);
    throw err;
  }
  return scheduler;
}
