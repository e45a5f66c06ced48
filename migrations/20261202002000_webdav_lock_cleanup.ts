import type { Knex } from 'knex';

/** The lock lifetime cap that now applies (protocols/webdav/handler.ts maxLockSeconds default). */
const MAX_LOCK_MS = 3600 * 1000;

// Locks taken before locks went with their owner and before the 1-hour cap: the locks of deleted
// users go, and no remaining lock outlives the cap from now. Locks are now counted and dropped
// per holder, hence the index.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webdav_locks', (t) => t.index(['principal_id']));
  await dropStaleLocks(knex);
}

/** The data part of `up`: deleted users' locks go, the rest end within the cap. */
export async function dropStaleLocks(knex: Knex): Promise<void> {
  await knex('webdav_locks').whereNotIn('principal_id', knex('users').select('id')).delete();
  const cap = Date.now() + MAX_LOCK_MS;
  await knex('webdav_locks').where('expires_at', '>', cap).update({ expires_at: cap });
}

export async function down(knex: Knex): Promise<void> {
  // Dropped and shortened locks are not brought back.
  await knex.schema.alterTable('webdav_locks', (t) => t.dropIndex(['principal_id']));
}
