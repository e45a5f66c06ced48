import type { Knex } from 'knex';

// Times are epoch milliseconds in bigint columns, so SQLite and PostgreSQL read back the same numbers.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('display_name', 128).notNullable().defaultTo('');
    t.string('email', 254).notNullable().defaultTo('');
    t.string('role', 16).notNullable().defaultTo('user');
    t.string('password_hash', 100).notNullable();
    t.bigInteger('quota_bytes').nullable(); // null = unlimited
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('totp_secret', 128).nullable();
    t.boolean('totp_enabled').notNullable().defaultTo(false);
    t.bigInteger('totp_last_step').nullable();
    t.bigInteger('password_changed_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable().index();
    t.integer('actor_id').nullable().index();
    t.string('actor_name', 64).nullable();
    t.string('action', 64).notNullable().index();
    t.string('target', 1024).nullable();
    t.string('outcome', 16).notNullable();
    t.string('address', 64).nullable();
    t.string('protocol', 16).nullable();
    t.text('details').nullable(); // JSON
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
  await knex.schema.dropTableIfExists('users');
}
