import type { Knex } from 'knex';

/**
 * Quota accounting of staged writes and dead properties: a reservation names the storage key it
 * will write (so concurrent overwrites of one file count once), and every dead property row
 * records its size in bytes (charged to the resource's owner).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('quota_reservations', (t) => {
    t.string('target_hash', 64).nullable(); // keyHash of the key being written, null when none
  });
  await knex.schema.alterTable('dead_properties', (t) => {
    t.integer('bytes').notNullable().defaultTo(0); // UTF-8 bytes of namespace, name and value
  });
  // Rows written before this migration: the size of their text, near enough for reconcile to start from.
  await knex('dead_properties').update({ bytes: knex.raw('length(ns) + length(name) + length(xml)') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dead_properties', (t) => {
    t.dropColumn('bytes');
  });
  await knex.schema.alterTable('quota_reservations', (t) => {
    t.dropColumn('target_hash');
  });
}
