import type { Knex } from 'knex';

/** A row of `app_passwords`: a per-device password for WebDAV/SMB Basic auth. */
export interface AppPasswordRecord {
  id: number;
  userId: number;
  name: string;
  lookupPrefix: string;
  passwordHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  lastUsedAddress: string | null;
  revokedAt: number | null;
  /** Also the user's SMB password (Samba got it in clear when it was created). */
  smb: boolean;
}

interface AppPasswordRow {
  id: number;
  user_id: number;
  name: string;
  lookup_prefix: string;
  password_hash: string;
  created_at: number;
  last_used_at: number | null;
  last_used_address: string | null;
  revoked_at: number | null;
  /** SQLite stores booleans as 0/1, PostgreSQL as true/false. */
  smb: boolean | number;
}

const TABLE = 'app_passwords';

function toRecord(r: AppPasswordRow): AppPasswordRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    lookupPrefix: r.lookup_prefix,
    passwordHash: r.password_hash,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    lastUsedAddress: r.last_used_address,
    revokedAt: r.revoked_at,
    smb: Boolean(r.smb),
  };
}

/** Repository of the app_passwords table: rows in, records out. `db` may be a transaction. */
export class AppPasswordRepo {
  constructor(private readonly knex: Knex) {}

  /** A user's app passwords that are not revoked, oldest first. */
  async activeOf(userId: number): Promise<AppPasswordRecord[]> {
    const rows: AppPasswordRow[] = await this.knex<AppPasswordRow>(TABLE).where({ user_id: userId }).whereNull('revoked_at').orderBy('id');
    return rows.map(toRecord);
  }

  async countActive(userId: number, db: Knex = this.knex): Promise<number> {
    const [{ count }] = await db(TABLE).where({ user_id: userId }).whereNull('revoked_at').count<{ count: number | string }[]>({ count: '*' });
    return Number(count);
  }

  /** The active app passwords of a user that start with `lookupPrefix` (the candidates for one check). */
  async activeWithPrefix(userId: number, lookupPrefix: string): Promise<AppPasswordRecord[]> {
    const rows: AppPasswordRow[] = await this.knex<AppPasswordRow>(TABLE).where({ user_id: userId, lookup_prefix: lookupPrefix }).whereNull('revoked_at');
    return rows.map(toRecord);
  }

  /** One of a user's app passwords, revoked or not. */
  async byId(userId: number, id: number, db: Knex = this.knex): Promise<AppPasswordRecord | undefined> {
    const row = await db<AppPasswordRow>(TABLE).where({ id, user_id: userId }).first();
    return row && toRecord(row);
  }

  /** Inserts an app password and returns the stored row. */
  async insert(p: Omit<AppPasswordRecord, 'id'>, db: Knex = this.knex): Promise<AppPasswordRecord> {
    const [row] = await db<AppPasswordRow>(TABLE)
      .insert({
        user_id: p.userId,
        name: p.name,
        lookup_prefix: p.lookupPrefix,
        password_hash: p.passwordHash,
        created_at: p.createdAt,
        last_used_at: p.lastUsedAt,
        last_used_address: p.lastUsedAddress,
        revoked_at: p.revokedAt,
        smb: p.smb,
      })
      .returning('*');
    return toRecord(row as AppPasswordRow);
  }

  async revoke(id: number, at: number, db: Knex = this.knex): Promise<void> {
    await db(TABLE).where({ id }).update({ revoked_at: at });
  }

  /** Revokes every active app password of a user; returns how many. */
  async revokeAllOf(userId: number, at: number, db: Knex = this.knex): Promise<number> {
    return db(TABLE).where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: at });
  }

  async recordUse(id: number, at: number, address: string | null): Promise<void> {
    await this.knex(TABLE).where({ id }).update({ last_used_at: at, last_used_address: address });
  }
}
