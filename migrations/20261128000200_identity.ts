import type { Knex } from 'knex';

// Identity state beside `users`: refresh-token families, app passwords, recovery codes and the
// failed-login throttle. Times are epoch milliseconds in bigint columns (see the foundation migration).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('refresh_tokens', (t) => {
    t.string('jti', 36).primary();
    t.string('family_id', 36).notNullable().index();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE').index();
    t.string('token_hash', 64).notNullable().unique(); // sha256 hex of the opaque token
    t.bigInteger('session_started_at').notNullable(); // login time, copied down the family
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable(); // set when rotated; a second use is a reuse
    t.bigInteger('revoked_at').nullable();
    t.string('user_agent', 256).nullable();
    t.string('address', 64).nullable();
  });

  await knex.schema.createTable('app_passwords', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.string('lookup_prefix', 16).notNullable(); // first characters of the password, so one bcrypt per check
    t.string('password_hash', 100).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.string('last_used_address', 64).nullable();
    t.bigInteger('revoked_at').nullable();
    t.index(['user_id', 'lookup_prefix']);
  });

  await knex.schema.createTable('recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable(); // sha256 hex of the normalized code (80 random bits)
    t.bigInteger('created_at').notNullable();
    t.bigInteger('used_at').nullable();
    t.unique(['user_id', 'code_hash']);
  });

  // Fixed-window failure counters shared by every nasd process (keys: `account:<name>`, `address:<ip>`).
  await knex.schema.createTable('auth_throttle', (t) => {
    t.string('key', 200).primary();
    t.integer('failures').notNullable();
    t.bigInteger('window_ends_at').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('auth_throttle');
  await knex.schema.dropTableIfExists('recovery_codes');
  await knex.schema.dropTableIfExists('app_passwords');
  await knex.schema.dropTableIfExists('refresh_tokens');
}
