import type { Knex } from 'knex';

/** Settings an administrator changes at run time and every process shares (e.g. SMB on/off). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('nasd_settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('nasd_settings');
}
