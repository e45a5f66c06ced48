import type { Knex } from 'knex';

/** SMB: an app password can be marked as the user's SMB password (SMB has no second factor). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_passwords', (t) => {
    t.boolean('smb').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_passwords', (t) => {
    t.dropColumn('smb');
  });
}
