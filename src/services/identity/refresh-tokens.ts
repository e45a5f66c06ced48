import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { RefreshTokenRepo, type RefreshTokenRecord } from './refresh-token-repo.js';
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
  private readonly tokens: RefreshTokenRepo;

  constructor(
    private readonly knex: Knex,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new RefreshTokenRepo(knex);
  }

  /** Issues a token; a new family (session) unless `family` continues one. */
  async issue(userId: number, meta: ClientMeta, family?: { id: string; startedAt: number }, trx?: Knex.Transaction): Promise<{ token: string; familyId: string }> {
    const token = randomToken();
    const now = this.now();
    const familyId = family?.id ?? crypto.randomUUID();
    await this.tokens.insert(
      {
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
      },
      trx,
    );
    return { token, familyId };
  }

  /** Exchanges a token for the next one of its family; detects reuse. */
  async rotate(token: string, meta: ClientMeta): Promise<RotateResult> {
    return this.knex.transaction(async (trx) => {
      const row = await this.tokens.byTokenHash(sha256Hex(token), trx);
      if (!row || row.revokedAt !== null) return { kind: 'invalid' as const };
      const now = this.now();
      if (row.usedAt !== null) {
        await this.revokeFamily(row.familyId, trx);
        return { kind: 'reused' as const, userId: row.userId, familyId: row.familyId };
      }
      if (row.expiresAt <= now) return { kind: 'invalid' as const };
      // Conditional update: of two concurrent rotations only one wins; the loser is a reuse.
      if (!(await this.tokens.claimUse(row.jti, now, trx))) {
        await this.revokeFamily(row.familyId, trx);
        return { kind: 'reused' as const, userId: row.userId, familyId: row.familyId };
      }
      const next = await this.issue(row.userId, meta, { id: row.familyId, startedAt: row.sessionStartedAt }, trx);
      return { kind: 'ok' as const, userId: row.userId, familyId: row.familyId, token: next.token };
    });
  }

  /** The family a token belongs to (any state), to log out with a refresh token. */
  async familyOf(token: string): Promise<{ familyId: string; userId: number } | undefined> {
    const row = await this.tokens.byTokenHash(sha256Hex(token));
    return row ? { familyId: row.familyId, userId: row.userId } : undefined;
  }

  /** Revokes every token of a family; returns how many were still active. */
  async revokeFamily(familyId: string, trx?: Knex.Transaction, userId?: number): Promise<number> {
    return this.tokens.revokeFamily(familyId, this.now(), userId, trx);
  }

  /** Revokes all of a user's sessions, except `keepFamilyId` (the caller's own, on a password change). */
  async revokeAllForUser(userId: number, keepFamilyId?: string, trx?: Knex.Transaction): Promise<number> {
    return this.tokens.revokeAllOf(userId, this.now(), keepFamilyId, trx);
  }

  /** Whether an access token's session may still be used (not logged out, not revoked for reuse). */
  async isFamilyActive(familyId: string, userId: number): Promise<boolean> {
    return this.tokens.hasUnrevoked(familyId, userId);
  }

  /** The user's live sessions, newest activity first. */
  async listSessions(userId: number): Promise<SessionInfo[]> {
    return (await this.tokens.liveOf(userId, this.now())).map(toSessionInfo);
  }

  /** Every user's live sessions with the user's name, newest activity first. */
  async listAllSessions(): Promise<(SessionInfo & { userId: number; username: string })[]> {
    return (await this.tokens.liveWithUsername(this.now())).map((r) => ({ ...toSessionInfo(r), userId: r.userId, username: r.username }));
  }

  /** The user of a live session, or undefined when it has ended or never existed. */
  async liveSessionOwner(familyId: string): Promise<{ userId: number; username: string } | undefined> {
    return this.tokens.liveSessionOwner(familyId, this.now());
  }

  /** Deletes tokens that expired more than a day ago; returns how many went. */
  async prune(): Promise<number> {
    return this.tokens.deleteExpiredBefore(this.now() - 86_400_000);
  }
}

function toSessionInfo(r: RefreshTokenRecord): SessionInfo {
  return { id: r.familyId, startedAt: r.sessionStartedAt, lastUsedAt: r.createdAt, expiresAt: r.expiresAt, userAgent: r.userAgent, address: r.address };
}
