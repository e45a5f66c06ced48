import type { Knex } from 'knex';

/**
 * Storage core: shares and their ACL, file ownership, usage counters, quota reservations, tus
 * upload sessions and WebDAV dead properties. A storage key is `homes/<user>/<rel>` or
 * `shares/<share>/<rel>`; because keys can be longer than PostgreSQL's btree entry limit,
 * rows are identified by the sha256 of the key (`key_hash`) and listed by `parent_hash`.
 * `area` is the key's first two segments (`homes/alice`), so subtree queries scan one area only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shares', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('description', 512).notNullable().defaultTo('');
    t.integer('owner_id').notNullable().references('users.id');
    t.bigInteger('size_limit_bytes').nullable(); // null = no share limit
    t.boolean('browseable').notNullable().defaultTo(true);
    t.boolean('recycle_bin').notNullable().defaultTo(false);
    t.boolean('time_machine').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('share_acl', (t) => {
    t.integer('share_id').notNullable().references('shares.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('access', 8).notNullable(); // none | read | write | full
    t.primary(['share_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('file_owners', (t) => {
    t.string('key_hash', 64).primary();
    t.text('key').notNullable();
    t.string('parent_hash', 64).notNullable().index();
    t.string('area', 330).notNullable().index();
    t.integer('owner_id').notNullable().index();
    t.boolean('is_dir').notNullable().defaultTo(false);
    t.bigInteger('size').notNullable().defaultTo(0);
    t.string('sha256', 64).nullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('storage_usage', (t) => {
    t.string('scope', 8).notNullable(); // user | share
    t.integer('subject_id').notNullable();
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.bigInteger('files').notNullable().defaultTo(0);
    t.bigInteger('updated_at').notNullable();
    t.primary(['scope', 'subject_id']);
  });

  await knex.schema.createTable('quota_reservations', (t) => {
    t.string('id', 36).primary();
    t.integer('user_id').nullable().index(); // null: only a share limit is involved (moves between shares)
    t.integer('share_id').nullable().index();
    t.bigInteger('bytes').notNullable();
    t.string('kind', 8).notNullable(); // write | tus
    t.string('upload_id', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
  });

  await knex.schema.createTable('tus_uploads', (t) => {
    t.string('id', 64).primary();
    t.integer('user_id').notNullable().index();
    t.text('target_path').notNullable(); // virtual path as the uploader named it
    t.bigInteger('size').nullable(); // null while the length is deferred
    t.text('metadata').notNullable(); // JSON of Upload-Metadata
    t.string('reservation_id', 36).nullable();
    t.string('state', 10).notNullable(); // open | finished
    t.string('sha256', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable().index();
  });

  await knex.schema.createTable('dead_properties', (t) => {
    t.string('key_hash', 64).notNullable();
    t.text('key').notNullable();
    t.string('parent_hash', 64).notNullable().index();
    t.string('area', 330).notNullable().index();
    t.string('ns', 512).notNullable();
    t.string('name', 256).notNullable();
    t.text('xml').notNullable();
    t.primary(['key_hash', 'ns', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['dead_properties', 'tus_uploads', 'quota_reservations', 'storage_usage', 'file_owners', 'share_acl', 'shares']) {
    await knex.schema.dropTableIfExists(table);
  }
}
