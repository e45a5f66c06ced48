import type { Knex } from 'knex';

/** A row of `refresh_tokens`: one opaque token (stored as its sha256) in a rotation family. */
export interface RefreshTokenRecord {
  jti: string;
  familyId: string;
  userId: number;
  tokenHash: string;
  sessionStartedAt: number;
  createdAt: number;
  expiresAt: number;
  /** When it was exchanged for a new token; presenting it again is a reuse. */
  usedAt: number | null;
  revokedAt: number | null;
  userAgent: string | null;
  address: string | null;
}

interface RefreshTokenRow {
  jti: string;
  family_id: string;
  user_id: number;
  token_hash: string;
  session_started_at: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  user_agent: string | null;
  address: string | null;
}

const TABLE = 'refresh_tokens';

function toRecord(r: RefreshTokenRow): RefreshTokenRecord {
  return {
    jti: r.jti,
    familyId: r.family_id,
    userId: r.user_id,
    tokenHash: r.token_hash,
    sessionStartedAt: r.session_started_at,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    revokedAt: r.revoked_at,
    userAgent: r.user_agent,
    address: r.address,
  };
}

/** Repository of the refresh_tokens table: rows in, records out. `db` may be a transaction. */
export class RefreshTokenRepo {
  constructor(private readonly knex: Knex) {}

  async insert(t: RefreshTokenRecord, db: Knex = this.knex): Promise<void> {
    await db<RefreshTokenRow>(TABLE).insert({
      jti: t.jti,
      family_id: t.familyId,
      user_id: t.userId,
      token_hash: t.tokenHash,
      session_started_at: t.sessionStartedAt,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      used_at: t.usedAt,
      revoked_at: t.revokedAt,
      user_agent: t.userAgent,
      address: t.address,
    });
  }

  async byTokenHash(tokenHash: string, db: Knex = this.knex): Promise<RefreshTokenRecord | undefined> {
    const row = await db<RefreshTokenRow>(TABLE).where({ token_hash: tokenHash }).first();
    return row && toRecord(row);
  }

  /** Marks a token used unless it was already: of two concurrent rotations only one gets true. */
  async claimUse(jti: string, at: number, db: Knex = this.knex): Promise<boolean> {
    return (await db(TABLE).where({ jti }).whereNull('used_at').update({ used_at: at })) === 1;
  }

  /** Revokes the still active tokens of a family (of `userId` only, when given); returns how many. */
  async revokeFamily(familyId: string, at: number, userId?: number, db: Knex = this.knex): Promise<number> {
    const q = db(TABLE).where({ family_id: familyId }).whereNull('revoked_at');
    if (userId !== undefined) q.where({ user_id: userId });
    return q.update({ revoked_at: at });
  }

  /** Revokes every active token of a user except those of `keepFamilyId`; returns how many. */
  async revokeAllOf(userId: number, at: number, keepFamilyId?: string, db: Knex = this.knex): Promise<number> {
    const q = db(TABLE).where({ user_id: userId }).whereNull('revoked_at');
    if (keepFamilyId) q.whereNot({ family_id: keepFamilyId });
    return q.update({ revoked_at: at });
  }

  /** Whether the family of `userId` has a token that is not revoked. */
  async hasUnrevoked(familyId: string, userId: number): Promise<boolean> {
    const row = await this.knex(TABLE).where({ family_id: familyId, user_id: userId }).whereNull('revoked_at').first('jti');
    return row !== undefined;
  }

  /** The newest token of every live session (not revoked, not yet rotated, not expired at `now`) of one user. */
  async liveOf(userId: number, now: number): Promise<RefreshTokenRecord[]> {
    const rows: RefreshTokenRow[] = await this.live(now).where('refresh_tokens.user_id', userId).select('refresh_tokens.*');
    return rows.map(toRecord);
  }

  /** The same for every user, with the user's name. */
  async liveWithUsername(now: number): Promise<Array<RefreshTokenRecord & { username: string }>> {
    const rows: Array<RefreshTokenRow & { username: string }> = await this.live(now)
      .join('users', 'users.id', 'refresh_tokens.user_id')
      .select('refresh_tokens.*', 'users.username');
    return rows.map((r) => ({ ...toRecord(r), username: r.username }));
  }

  /** The user of a live session, or undefined when it has ended or never existed. */
  async liveSessionOwner(familyId: string, now: number): Promise<{ userId: number; username: string } | undefined> {
    const row: { user_id: number; username: string } | undefined = await this.live(now)
      .where('refresh_tokens.family_id', familyId)
      .join('users', 'users.id', 'refresh_tokens.user_id')
      .select('refresh_tokens.user_id', 'users.username')
      .first();
    return row ? { userId: row.user_id, username: row.username } : undefined;
  }

  /** Deletes tokens that expired before `before`; returns how many went. */
  async deleteExpiredBefore(before: number): Promise<number> {
    return this.knex(TABLE).where('expires_at', '<', before).delete();
  }

  private live(now: number): Knex.QueryBuilder {
    return this.knex(TABLE)
      .whereNull('refresh_tokens.revoked_at')
      .whereNull('refresh_tokens.used_at')
      .where('refresh_tokens.expires_at', '>', now)
      .orderBy('refresh_tokens.created_at', 'desc');
  }
}
