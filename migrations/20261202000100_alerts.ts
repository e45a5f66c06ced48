import type { Knex } from 'knex';

// Alerts and their notifications. Times are epoch milliseconds; JSON lives in text columns.
export async function up(knex: Knex): Promise<void> {
  // One row per occurrence of a rule's condition for one subject (`key`: an array, a disk, a user…).
  await knex.schema.createTable('alerts', (t) => {
    t.bigIncrements('id').primary();
    t.string('rule_id', 64).notNullable();
    t.string('key', 256).notNullable();
    t.string('severity', 16).notNullable();
    t.string('state', 16).notNullable(); // open | closed
    t.string('title', 512).notNullable();
    t.text('details').notNullable(); // JSON object
    // The user the alert is about and for (quota); null for system alerts.
    t.integer('user_id').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.bigInteger('opened_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    // First evaluation that found the condition gone; the alert closes once it stays gone long enough.
    t.bigInteger('clearing_since').nullable();
    t.bigInteger('closed_at').nullable();
    t.bigInteger('acked_at').nullable();
    t.string('acked_by', 64).nullable();
    t.bigInteger('reminded_at').nullable();
    t.index(['state', 'rule_id', 'key']);
    t.index(['user_id', 'state']);
  });
  // At most one open alert per rule and subject, even with several processes evaluating at once
  // (a partial unique index: SQLite and PostgreSQL both have them).
  await knex.raw("create unique index alerts_one_open on alerts (rule_id, key) where state = 'open'");
  await knex.schema.createTable('alert_rule_snoozes', (t) => {
    t.string('rule_id', 64).primary();
    t.bigInteger('until').notNullable();
    t.string('by', 64).notNullable();
  });
  await knex.schema.createTable('alert_channels', (t) => {
    t.increments('id').primary();
    t.string('name', 128).notNullable().unique();
    t.string('kind', 16).notNullable(); // email | webhook
    t.string('source', 16).notNullable(); // api | env (env rows are rewritten at start and read-only through the API)
    t.text('settings').notNullable(); // JSON, no secrets
    t.text('secrets').nullable(); // JSON of the secrets, encrypted at rest
    t.string('min_severity', 16).notNullable();
    t.text('families').nullable(); // JSON array; null = every family
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('alert_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.integer('channel_id').notNullable().references('id').inTable('alert_channels').onDelete('CASCADE');
    t.bigInteger('alert_id').nullable().references('id').inTable('alerts').onDelete('SET NULL');
    t.string('event', 16).notNullable(); // opened | resolved | reminder | test
    t.bigInteger('at').notNullable();
    t.string('outcome', 16).notNullable(); // success | failure
    t.integer('attempts').notNullable();
    t.string('error', 1024).nullable();
    t.index(['channel_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('alert_deliveries');
  await knex.schema.dropTableIfExists('alert_channels');
  await knex.schema.dropTableIfExists('alert_rule_snoozes');
  await knex.schema.dropTableIfExists('alerts');
}
