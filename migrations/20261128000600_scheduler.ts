import type { Knex } from 'knex';

/**
 * Scheduler: nasd's settings of each managed job, the history of its executions, and agenda's own
 * job storage. Times are epoch milliseconds in bigint columns, except in the table owned by
 * `@agendajs/postgres-backend`, which keeps that package's own layout (timestamptz, uuid, jsonb).
 */
export async function up(knex: Knex): Promise<void> {
  // One row per managed job: what the administrator chose (the code's defaults until changed).
  await knex.schema.createTable('scheduler_jobs', (t) => {
    t.string('name', 64).primary();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('interval_ms').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).nullable(); // null = defaults written by nasd itself
  });

  // Every run of a managed job, from queued (manual run) or running (scheduled run) to ok / failed.
  await knex.schema.createTable('scheduler_executions', (t) => {
    t.bigIncrements('id').primary();
    t.string('job_name', 64).notNullable();
    t.string('trigger', 16).notNullable(); // schedule | manual | retry
    t.string('status', 16).notNullable(); // queued | running | ok | failed
    t.bigInteger('queued_at').notNullable();
    t.bigInteger('started_at').nullable();
    t.bigInteger('finished_at').nullable();
    t.bigInteger('duration_ms').nullable();
    t.bigInteger('heartbeat_at').nullable();
    t.double('progress').nullable(); // 0..100 when the job reports it
    t.text('message').nullable(); // the error of a failed run
    t.text('report').nullable(); // JSON: what the job returned (drift report, counts…)
    t.string('requested_by', 64).nullable(); // the administrator of a manual run or retry
    t.bigInteger('retry_of').nullable();
    t.index(['job_name', 'id']);
    t.index(['status']);
  });
  // At most one queued-or-running execution per job, across every nasd process on the database.
  await knex.raw(`CREATE UNIQUE INDEX scheduler_executions_active ON scheduler_executions (job_name) WHERE status IN ('queued', 'running')`);

  // agenda's JobRepository storage for nasd's knex backend (the SQLite default; usable on PostgreSQL too).
  await knex.schema.createTable('scheduler_agenda_jobs', (t) => {
    t.string('id', 36).primary();
    t.string('name', 255).notNullable();
    t.integer('priority').notNullable().defaultTo(0);
    t.bigInteger('next_run_at').nullable();
    t.string('type', 10).notNullable().defaultTo('normal'); // normal | single
    t.bigInteger('locked_at').nullable();
    t.bigInteger('last_finished_at').nullable();
    t.bigInteger('failed_at').nullable();
    t.integer('fail_count').nullable();
    t.text('fail_reason').nullable();
    t.string('repeat_timezone', 100).nullable();
    t.bigInteger('last_run_at').nullable();
    t.string('repeat_interval', 255).nullable();
    t.text('data').nullable(); // JSON
    t.string('repeat_at', 255).nullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.double('progress').nullable();
    t.boolean('fork').notNullable().defaultTo(false);
    t.string('last_modified_by', 255).nullable();
    t.bigInteger('debounce_started_at').nullable();
    t.bigInteger('start_date').nullable();
    t.bigInteger('end_date').nullable();
    t.text('skip_days').nullable(); // JSON array of weekday numbers
    t.index(['name', 'next_run_at']);
    t.index(['locked_at']);
  });
  await knex.raw(`CREATE UNIQUE INDEX scheduler_agenda_jobs_single ON scheduler_agenda_jobs (name) WHERE type = 'single'`);

  if (knex.client.config.client === 'pg') {
    // The table @agendajs/postgres-backend 3.x reads and writes, created here (its ensureSchema is
    // off) so that concurrent nasd starts never race on DDL. Its single-job upsert needs the partial
    // unique index on name.
    await knex.raw(`
      CREATE TABLE scheduler_agenda_jobs_pg (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        name VARCHAR(255) NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        next_run_at TIMESTAMPTZ,
        type VARCHAR(10) NOT NULL DEFAULT 'normal' CHECK (type IN ('normal', 'single')),
        locked_at TIMESTAMPTZ,
        last_finished_at TIMESTAMPTZ,
        failed_at TIMESTAMPTZ,
        fail_count INTEGER DEFAULT NULL,
        fail_reason TEXT,
        repeat_timezone VARCHAR(100),
        last_run_at TIMESTAMPTZ,
        repeat_interval VARCHAR(255),
        data JSONB DEFAULT '{}'::jsonb,
        repeat_at VARCHAR(255),
        disabled BOOLEAN DEFAULT FALSE,
        progress REAL,
        fork BOOLEAN DEFAULT FALSE,
        last_modified_by VARCHAR(255),
        debounce_started_at TIMESTAMPTZ,
        start_date TIMESTAMPTZ,
        end_date TIMESTAMPTZ,
        skip_days JSONB,
        created_at TIMESTAMPTZ DEFAULT NOW(),
        updated_at TIMESTAMPTZ DEFAULT NOW()
      )`);
    await knex.raw(`CREATE INDEX scheduler_agenda_jobs_pg_find ON scheduler_agenda_jobs_pg (name, next_run_at, priority DESC, locked_at, disabled) WHERE disabled = FALSE`);
    await knex.raw(`CREATE UNIQUE INDEX scheduler_agenda_jobs_pg_single ON scheduler_agenda_jobs_pg (name) WHERE type = 'single'`);
    await knex.raw(`CREATE INDEX scheduler_agenda_jobs_pg_locked ON scheduler_agenda_jobs_pg (locked_at) WHERE locked_at IS NOT NULL`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('scheduler_agenda_jobs_pg');
  await knex.schema.dropTableIfExists('scheduler_agenda_jobs');
  await knex.schema.dropTableIfExists('scheduler_executions');
  await knex.schema.dropTableIfExists('scheduler_jobs');
}
