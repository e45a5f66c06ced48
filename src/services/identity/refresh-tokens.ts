import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { RefreshTokenModel } from '../../db/models/index.js';
import { randomToken, sha256Hex } from './secrets.js';

/** Where a request came from; stored with sessions and written to the audit log. */
export interface ClientMeta {
  address?: string;
  userAgent?: string;
}

/** One live session: a refresh family and its newest token. */
export interface SessionInfo {
  id: string;
  startedAt: number;
  /** When the newest token was issued (login or last refresh). */
  lastUsedAt: number;
  expiresAt: number;
  userAgent: string | null;
  address: string | null;
}

export type RotateResult =
  | { kind: 'ok'; userId: number; familyId: string; token: string }
  | { kind: 'invalid' }
  | { kind: 'reused'; userId: number; familyId: string };

/**
 * Opaque refresh tokens (256 random bits) stored only as sha256 with their JTI, in families that
 * start at login. Each use rotates the token; presenting an already rotated token is theft or a
 * replay, so the whole family (including its newest token) is revoked.
 */
export class RefreshTokens {
  constructor(
    private readonly knex: Knex,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a token; a new family (session) unless `family` continues one. */
  async issue(userId: number, meta: ClientMeta, family?: { id: string; startedAt: number }, trx?: Knex.Transaction): Promise<{ token: string; familyId: string }> {
    const token = randomToken();
    const now = this.now();
    const familyId = family?.id ?? crypto.randomUUID();
    await RefreshTokenModel.query(trx ?? this.knex).insert({
      jti: crypto.randomUUID(),
      familyId,
      userId,
      tokenHash: sha256Hex(token),
      sessionStartedAt: family?.startedAt ?? now,
      createdAt: now,
      expiresAt: now + this.ttlSeconds * 1000,
      usedAt: null,
      revokedAt: null,
      userAgent: meta.userAgent?.slice(0, 256) ?? null,
      address: meta.address?.slice(0, 64) ?? null,
    });
    return { token, familyId };
  }

  /** Exchanges a token for the next one of its family; detects reuse. */
  async rotate(token: string, meta: ClientMeta): Promise<RotateResult> {
    return this.knex.transaction(async (trx) => {
      const row = await RefreshTokenModel.query(trx).findOne({ token_hash: sha256Hex(token) });
      if (!row || row.revokedAt !== null) return { kind: 'invalid' as const };
      const now = this.now();
      if (row.usedAt !== null) {
        await this.revokeFamily(row.familyId, trx);
        return { kind: 'reused' as const, userId: row.userId, familyId: row.familyId };
      }
      if (row.expiresAt <= now) return { kind: 'invalid' as const };
      // Conditional update: of two concurrent rotations only one wins; the loser is a reuse.
      const claimed = await RefreshTokenModel.query(trx).patch({ usedAt: now }).where({ jti: row.jti }).whereNull('used_at');
      if (claimed !== 1) {
        await this.revokeFamily(row.familyId, trx);
        return { kind: 'reused' as const, userId: row.userId, familyId: row.familyId };
      }
      const next = await this.issue(row.userId, meta, { id: row.familyId, startedAt: row.sessionStartedAt }, trx);
      return { kind: 'ok' as const, userId: row.userId, familyId: row.familyId, token: next.token };
    });
  }

  /** The family a token belongs to (any state), to log out with a refresh token. */
  async familyOf(token: string): Promise<{ familyId: string; userId: number } | undefined> {
    const row = await RefreshTokenModel.query(this.knex).findOne({ token_hash: sha256Hex(token) });
    return row ? { familyId: row.familyId, userId: row.userId } : undefined;
  }

  /** Revokes every token of a family; returns how many were still active. */
  async revokeFamily(familyId: string, trx?: Knex.Transaction, userId?: number): Promise<number> {
    const q = RefreshTokenModel.query(trx ?? this.knex).patch({ revokedAt: this.now() }).where({ family_id: familyId }).whereNull('revoked_at');
    if (userId !== undefined) q.where({ user_id: userId });
    return q;
  }

  /** Revokes all of a user's sessions, except `keepFamilyId` (the caller's own, on a password change). */
  async revokeAllForUser(userId: number, keepFamilyId?: string, trx?: Knex.Transaction): Promise<number> {
    const q = RefreshTokenModel.query(trx ?? this.knex).patch({ revokedAt: this.now() }).where({ user_id: userId }).whereNull('revoked_at');
    if (keepFamilyId) q.whereNot({ family_id: keepFamilyId });
    return q;
  }

  /** Whether an access token's session may still be used (not logged out, not revoked for reuse). */
  async isFamilyActive(familyId: string, userId: number): Promise<boolean> {
    const row = await this.knex('refresh_tokens').where({ family_id: familyId, user_id: userId }).whereNull('revoked_at').first('jti');
    return row !== undefined;
  }

  /** The user's live sessions, newest activity first. */
  async listSessions(userId: number): Promise<SessionInfo[]> {
    return (await this.liveTokens().where({ user_id: userId })).map(toSessionInfo);
  }

  /** Every user's live sessions with the user's name, newest activity first. */
  async listAllSessions(): Promise<(SessionInfo & { userId: number; username: string })[]> {
    const rows = await this.liveTokens().join('users', 'users.id', 'refresh_tokens.user_id').select('refresh_tokens.*', 'users.username');
    return rows.map((r) => ({ ...toSessionInfo(r), userId: r.userId, username: (r as RefreshTokenModel & { username: string }).username }));
  }

  /** The user of a live session, or undefined when it has ended or never existed. */
  async liveSessionOwner(familyId: string): Promise<{ userId: number; username: string } | undefined> {
    const row = await this.liveTokens().where({ family_id: familyId }).join('users', 'users.id', 'refresh_tokens.user_id').select('refresh_tokens.user_id', 'users.username').first();
    return row ? { userId: row.userId, username: (row as RefreshTokenModel & { username: string }).username } : undefined;
  }

  /** The newest token of every live session: not revoked, not yet rotated, not expired. */
  private liveTokens() {
    return RefreshTokenModel.query(this.knex)
      .whereNull('refresh_tokens.revoked_at')
      .whereNull('refresh_tokens.used_at')
      .where('refresh_tokens.expires_at', '>', this.now())
      .orderBy('refresh_tokens.created_at', 'desc');
  }

  /** Deletes tokens that expired more than a day ago; returns how many went. */
  async prune(): Promise<number> {
    return RefreshTokenModel.query(this.knex).delete().where('expires_at', '<', this.now() - 86_400_000);
  }
}

function toSessionInfo(r: RefreshTokenModel): SessionInfo {
  return { id: r.familyId, startedAt: r.sessionStartedAt, lastUsedAt: r.createdAt, expiresAt: r.expiresAt, userAgent: r.userAgent, address: r.address };
}
