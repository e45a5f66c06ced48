import type { Knex } from 'knex';

const TABLE = 'recovery_codes';

/**
 * Repository of the recovery_codes table: single-use 2FA recovery codes, stored as their sha256.
 * `db` may be a transaction.
 */
export class RecoveryCodeRepo {
  constructor(private readonly knex: Knex) {}

  /** Replaces a user's codes with these hashes. */
  async replace(userId: number, codeHashes: readonly string[], at: number, db: Knex = this.knex): Promise<void> {
    await this.removeAllOf(userId, db);
    await db(TABLE).insert(codeHashes.map((h) => ({ user_id: userId, code_hash: h, created_at: at, used_at: null })));
  }

  async removeAllOf(userId: number, db: Knex = this.knex): Promise<void> {
    await db(TABLE).where({ user_id: userId }).delete();
  }

  async countUnused(userId: number): Promise<number> {
    const [{ count }] = await this.knex(TABLE).where({ user_id: userId }).whereNull('used_at').count<{ count: number | string }[]>({ count: '*' });
    return Number(count);
  }

  /** Marks an unused code used: true only for the one caller that used it. */
  async claim(userId: number, codeHash: string, at: number): Promise<boolean> {
    return (await this.knex(TABLE).where({ user_id: userId, code_hash: codeHash }).whereNull('used_at').update({ used_at: at })) === 1;
  }
}
