import type { Knex } from 'knex';

/**
 * MD5 and SHA-1 of a file's content, computed the first time a client asks for them (rclone's
 * `oc:checksums`), with the ETag of the file they were computed from: a cached pair is used only
 * while the file still has that ETag, and every commit of the row clears it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('file_owners', (t) => {
    t.string('md5', 32).nullable();
    t.string('sha1', 40).nullable();
    t.string('hashed_etag', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('file_owners', (t) => {
    t.dropColumn('md5');
    t.dropColumn('sha1');
    t.dropColumn('hashed_etag');
  });
}
