import type { Knex } from 'knex';

/** When each user last signed in through the API (web UI), shown on the admin's Users page. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.bigInteger('last_login_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('last_login_at');
  });
}
