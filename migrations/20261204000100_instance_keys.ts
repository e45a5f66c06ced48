import type { Knex } from 'knex';

/**
 * A digest of the keys each running process signs tokens and encrypts secrets with, so that a
 * process started with keys different from its live peers' refuses to start instead of
 * rejecting their tokens and failing to read their secrets.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nasd_instances', (t) => {
    t.string('keys_fingerprint', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nasd_instances', (t) => {
    t.dropColumn('keys_fingerprint');
  });
}
