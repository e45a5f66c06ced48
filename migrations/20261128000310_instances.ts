import type { Knex } from 'knex';

/**
 * Multi-process start-up recovery: one heartbeat row per running nasd process, and the process
 * that owns each write reservation. A process that starts (or ticks) reclaims the write
 * reservations and temp files of processes whose heartbeat went stale, never those of live ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('nasd_instances', (t) => {
    t.string('id', 36).primary();
    // boot id + pid namespace (Linux) or hostname: where `pid` can be checked for liveness.
    t.string('host', 255).notNullable();
    t.integer('pid').notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('heartbeat_at').notNullable().index();
  });
  await knex.schema.alterTable('quota_reservations', (t) => {
    t.string('instance_id', 36).nullable().index(); // the process holding a `write` reservation
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('quota_reservations', (t) => {
    t.dropColumn('instance_id');
  });
  await knex.schema.dropTableIfExists('nasd_instances');
}
