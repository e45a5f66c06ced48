import type { AgendaBackend, JobRepository } from 'agenda';
import type { Knex } from 'knex';
import type { Logger } from '../../lib/log.js';
import { KnexJobRepository } from './knex-repository.js';

export { KnexJobRepository } from './knex-repository.js';

/** The agenda table @agendajs/postgres-backend uses (created by nasd's scheduler migration). */
export const PG_JOBS_TABLE = 'scheduler_agenda_jobs_pg';

/**
 * The storage agenda runs on, as nasd owns it: `connect` may be called more than once (nasd
 * connects first to see errors; agenda's constructor calls it again), `disconnect` leaves shared
 * connections alone, and `close` releases what the backend itself opened.
 */
export interface SchedulerBackend extends AgendaBackend {
  readonly ownsConnection: false;
  close(): Promise<void>;
}

/** Which database the scheduler's storage lives in. */
export interface SchedulerBackendOptions {
  knex: Knex;
  kind: 'sqlite' | 'postgres';
  /** The PostgreSQL URL (config.databaseUrl); required when kind is postgres. */
  databaseUrl?: string;
  logger: Logger;
}

/** Wraps an agenda backend so nasd controls connect/close (see SchedulerBackend). */
function owned(inner: AgendaBackend, close: () => Promise<void>): SchedulerBackend {
  let connecting: Promise<void> | undefined;
  return {
    name: inner.name,
    repository: inner.repository,
    notificationChannel: inner.notificationChannel,
    logger: inner.logger,
    ownsConnection: false,
    connect: () => (connecting ??= inner.connect()),
    disconnect: () => inner.disconnect(),
    close,
  };
}

/** nasd's own agenda backend on knex: no connection of its own (knex belongs to nasd). */
export function knexBackend(knex: Knex): SchedulerBackend {
  const repository: JobRepository = new KnexJobRepository(knex);
  return owned({ name: 'knex', repository, connect: () => repository.connect(), disconnect: async () => undefined }, async () => undefined);
}

/**
 * @agendajs/postgres-backend on a small pool of its own (agenda's LISTEN/NOTIFY needs a
 * dedicated pg connection, which knex's pool cannot lend). The schema comes from nasd's migration.
 * pg and the backend are loaded here, on PostgreSQL only: about 18 MiB of resident memory a
 * SQLite process never needs.
 */
export async function postgresBackend(databaseUrl: string, logger: Logger): Promise<SchedulerBackend> {
  const [{ default: pg }, { PostgresBackend }] = await Promise.all([import('pg'), import('@agendajs/postgres-backend')]);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client losing its server must not crash the process (pg emits 'error' on the pool).
  pool.on('error', (err) => logger.warn({ err }, 'scheduler: PostgreSQL connection lost'));
  const inner = new PostgresBackend({
    pool,
    tableName: PG_JOBS_TABLE,
    logTableName: 'scheduler_agenda_logs_pg',
    channelName: 'nasd_scheduler',
    ensureSchema: false,
  });
  return owned(inner, () => pool.end());
}

/**
 * The one place that picks agenda's storage: @agendajs/postgres-backend on PostgreSQL, nasd's
 * knex backend on SQLite. Replace the scheduler's storage here and nowhere else.
 */
export async function createSchedulerBackend(options: SchedulerBackendOptions): Promise<SchedulerBackend> {
  if (options.kind === 'postgres') {
    if (!options.databaseUrl) throw new Error('the PostgreSQL scheduler backend needs the database URL');
    return postgresBackend(options.databaseUrl, options.logger);
  }
  return knexBackend(options.knex);
}
