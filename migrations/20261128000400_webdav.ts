import type { Knex } from 'knex';

// WebDAV locks, keyed by the VFS storage key so every user reaching the same file sees the same lock.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webdav_locks', (t) => {
    t.string('token', 64).primary();
    t.text('lock_key').notNullable().index();
    t.text('root_path').notNullable();
    t.string('depth', 8).notNullable(); // '0' | 'infinity'
    t.string('scope', 16).notNullable(); // 'exclusive' | 'shared'
    t.text('owner_xml').notNullable().defaultTo('');
    t.integer('principal_id').notNullable();
    t.integer('timeout_seconds').notNullable();
    t.bigInteger('expires_at').notNullable().index();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webdav_locks');
}
