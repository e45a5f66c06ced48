import type { Knex } from 'knex';
import type { UserRole } from './types.js';

/** A row of `users`. Business rules (username syntax, last admin) live in the identity services. */
export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  email: string;
  role: UserRole;
  passwordHash: string;
  /** null = unlimited. */
  quotaBytes: number | null;
  disabled: boolean;
  /**
   * Set while enrolling (totpEnabled false) and once enabled: `v1:…` AES-GCM ciphertext of the base32
   * secret (totp-cipher.ts), or legacy plain base32 until its next accepted code.
   */
  totpSecret: string | null;
  totpEnabled: boolean;
  /** Last accepted TOTP time step; codes at or before it are replays. */
  totpLastStep: number | null;
  passwordChangedAt: number;
  /** Last successful API login; null = never. Not a credential change, so it never moves `updatedAt`. */
  lastLoginAt: number | null;
  createdAt: number;
  /** Also the credential generation: bumped on every password, 2FA, role, disable or app-password change. */
  updatedAt: number;
}

/** What may change on a user row (the id, the name and the creation time are fixed). */
export type UserPatch = Partial<Omit<UserRecord, 'id' | 'username' | 'createdAt'>>;

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string;
  role: UserRole;
  password_hash: string;
  quota_bytes: number | null;
  /** SQLite stores booleans as 0/1, PostgreSQL as true/false. */
  disabled: boolean | number;
  totp_secret: string | null;
  totp_enabled: boolean | number;
  totp_last_step: number | null;
  password_changed_at: number;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}

const TABLE = 'users';

function toRecord(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    role: r.role,
    passwordHash: r.password_hash,
    quotaBytes: r.quota_bytes,
    disabled: Boolean(r.disabled),
    totpSecret: r.totp_secret,
    totpEnabled: Boolean(r.totp_enabled),
    totpLastStep: r.totp_last_step,
    passwordChangedAt: r.password_changed_at,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The columns of a patch; fields left undefined are not written, null ones are. */
function patchColumns(p: UserPatch): Partial<UserRow> {
  const row: Partial<UserRow> = {};
  if (p.displayName !== undefined) row.display_name = p.displayName;
  if (p.email !== undefined) row.email = p.email;
  if (p.role !== undefined) row.role = p.role;
  if (p.passwordHash !== undefined) row.password_hash = p.passwordHash;
  if (p.quotaBytes !== undefined) row.quota_bytes = p.quotaBytes;
  if (p.disabled !== undefined) row.disabled = p.disabled;
  if (p.totpSecret !== undefined) row.totp_secret = p.totpSecret;
  if (p.totpEnabled !== undefined) row.totp_enabled = p.totpEnabled;
  if (p.totpLastStep !== undefined) row.totp_last_step = p.totpLastStep;
  if (p.passwordChangedAt !== undefined) row.password_changed_at = p.passwordChangedAt;
  if (p.lastLoginAt !== undefined) row.last_login_at = p.lastLoginAt;
  if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
  return row;
}

/** Repository of the users table: rows in, records out. `db` may be a transaction. */
export class UserRepo {
  constructor(private readonly knex: Knex) {}

  async byId(id: number, db: Knex = this.knex): Promise<UserRecord | undefined> {
    const row = await db<UserRow>(TABLE).where({ id }).first();
    return row && toRecord(row);
  }

  async byUsername(username: string, db: Knex = this.knex): Promise<UserRecord | undefined> {
    const row = await db<UserRow>(TABLE).where({ username }).first();
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    const rows: UserRow[] = await this.knex<UserRow>(TABLE).orderBy('username');
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const [{ count }] = await this.knex(TABLE).count<{ count: number | string }[]>({ count: '*' });
    return Number(count);
  }

  /**
   * The enabled administrators. With `forUpdate` their rows stay locked until `db` (a transaction)
   * ends, on PostgreSQL; SQLite serializes writers anyway.
   */
  async enabledAdmins(db: Knex, options: { forUpdate?: boolean } = {}): Promise<UserRecord[]> {
    const q = db<UserRow>(TABLE).where({ role: 'admin', disabled: false });
    if (options.forUpdate && db.client.config.client === 'pg') q.forUpdate();
    const rows: UserRow[] = await q;
    return rows.map(toRecord);
  }

  /** Inserts a user and returns the stored row (a concurrent insert of the name fails on the unique index). */
  async insert(user: Omit<UserRecord, 'id' | 'lastLoginAt'>, db: Knex = this.knex): Promise<UserRecord> {
    const [row] = await db<UserRow>(TABLE)
      .insert({
        username: user.username,
        display_name: user.displayName,
        email: user.email,
        role: user.role,
        password_hash: user.passwordHash,
        quota_bytes: user.quotaBytes,
        disabled: user.disabled,
        totp_secret: user.totpSecret,
        totp_enabled: user.totpEnabled,
        totp_last_step: user.totpLastStep,
        password_changed_at: user.passwordChangedAt,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .returning('*');
    return toRecord(row as UserRow);
  }

  /** Changes one row; returns how many rows changed (0 or 1). */
  async update(id: number, patch: UserPatch, db: Knex = this.knex): Promise<number> {
    return db(TABLE).where({ id }).update(patchColumns(patch));
  }

  /** Changes one row and reads it back; undefined when there is no such user. */
  async updateAndFetch(id: number, patch: UserPatch, db: Knex = this.knex): Promise<UserRecord | undefined> {
    await this.update(id, patch, db);
    return this.byId(id, db);
  }

  /**
   * Records an accepted TOTP step (and a re-encrypted secret) unless a step at or after it was
   * accepted already: of two logins with the same code only one gets true.
   */
  async claimTotpStep(id: number, step: number, patch: Pick<UserPatch, 'totpSecret'> = {}, db: Knex = this.knex): Promise<boolean> {
    const n = await db(TABLE)
      .where({ id })
      .where((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
      .update(patchColumns({ ...patch, totpLastStep: step }));
    return n === 1;
  }

  async remove(id: number, db: Knex = this.knex): Promise<void> {
    await db(TABLE).where({ id }).delete();
  }
}
