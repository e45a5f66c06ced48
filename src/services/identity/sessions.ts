import { auditedBy, type AuditLog } from '../../audit/index.js';
import type { Knex } from 'knex';
import { AppError, AuthError } from '../../lib/errors.js';
import { actingAs, type RequestActor } from '../../lib/request-actor.js';
import type { AccessTokens } from './access-tokens.js';
import { judged, type CredentialGuard } from './guard.js';
import type { PasswordHasher } from './passwords.js';
import type { RefreshTokens, SessionInfo } from './refresh-tokens.js';
import type { TwoFactor } from './two-factor.js';
import type { UserView } from './types.js';
import { UserRepo, type UserRecord } from './user-repo.js';
import { principalOf, toUserView } from './users.js';

/** What a successful login or refresh returns to the client. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
  user: UserView;
}

/** The caller behind a valid access token. */
export interface TokenPrincipal {
  userId: number;
  username: string;
  isAdmin: boolean;
  sessionId: string;
}

export interface LoginInput {
  username: string;
  password: string;
  totp?: string;
}

const BAD_CREDENTIALS = 'invalid username or password';

/**
 * API sessions: password (+ TOTP or recovery code) login, refresh-token rotation with reuse
 * detection, logout, and access-token verification against the live database state (a disabled
 * or deleted user, or a revoked session, stops working at once).
 */
export class Sessions {
  private readonly users: UserRepo;

  constructor(
    knex: Knex,
    private readonly audit: AuditLog,
    private readonly hasher: PasswordHasher,
    private readonly guard: CredentialGuard,
    private readonly twoFactor: TwoFactor,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTokens: RefreshTokens,
  ) {
    this.users = new UserRepo(knex);
  }

  /**
   * Password login. The attempt is counted before the password is checked; a wrong password, an
   * unknown user and a disabled account get the same answer, and a second factor is asked for
   * only once the password and the account are known good (that half-login counts as a failed
   * attempt until the login completes, which forgives it).
   */
  async login(input: LoginInput, actor: RequestActor): Promise<TokenPair> {
    const account = input.username.trim().toLowerCase();
    const attempt = { action: 'auth.login', account, actor: actingAs(actor, null) };
    const ticket = await this.guard.begin(attempt);
    const checked = await judged<{ user: UserRecord } | { reason: string }>(ticket, async () => {
      const user = await this.users.byUsername(account);
      if (!user) {
        await this.hasher.burn(input.password, { priority: ticket.known });
        return { reason: 'unknown_user' };
      }
      if (!(await this.hasher.verify(input.password, user.passwordHash, { priority: ticket.known }))) return { reason: 'bad_password' };
      if (user.disabled) return { reason: 'disabled' };
      return { user };
    });
    if (!('user' in checked)) {
      await ticket.failed(checked.reason);
      throw new AuthError('UNAUTHENTICATED', BAD_CREDENTIALS);
    }
    const { user } = checked;
    const signedIn = actingAs(actor, principalOf(user));
    let secondFactor: string | undefined;
    if (user.totpEnabled) {
      if (!input.totp) {
        await ticket.failed('second_factor_missing', signedIn);
        throw new AuthError('UNAUTHENTICATED', 'a two-factor code is required', { details: { totpRequired: true } });
      }
      const used = await judged(ticket, () => this.twoFactor.consume(user, input.totp!));
      if (!used) {
        await ticket.failed('bad_second_factor', signedIn);
        throw new AuthError('UNAUTHENTICATED', 'the two-factor code is not valid or was already used', { details: { totpRequired: true } });
      }
      secondFactor = used;
    }
    const { token, familyId } = await judged(ticket, () => this.refreshTokens.issue(user.id, actor));
    await ticket.succeeded({ sessionId: familyId, ...(secondFactor ? { secondFactor } : {}) }, signedIn);
    // Not a credential change: `updated_at` (the credential generation) and the trust epoch stay.
    user.lastLoginAt = Date.now();
    await this.users.update(user.id, { lastLoginAt: user.lastLoginAt });
    return this.pair(user, familyId, token);
  }

  /** Rotates a refresh token; a reused one revokes its whole family (audited as `auth.refresh.reuse`). */
  async refresh(refreshToken: string, actor: RequestActor): Promise<TokenPair> {
    const result = await this.refreshTokens.rotate(refreshToken, actor);
    if (result.kind === 'invalid') throw new AuthError('UNAUTHENTICATED', 'the refresh token is not valid or has expired');
    const user = await this.users.byId(result.userId);
    if (result.kind === 'reused') {
      await this.audit.record({
        ...auditedBy(actingAs(actor, user ? principalOf(user) : null)),
        action: 'auth.refresh.reuse',
        outcome: 'failure',
        target: user?.username ?? String(result.userId),
        details: { sessionId: result.familyId },
      });
      throw new AuthError('UNAUTHENTICATED', 'this refresh token was already used; the session has been ended');
    }
    if (!user || user.disabled) {
      await this.refreshTokens.revokeFamily(result.familyId);
      throw new AuthError('UNAUTHENTICATED', 'this account is disabled');
    }
    return this.pair(user, result.familyId, result.token);
  }

  /** Ends the session of `familyId` (the caller's own, or the family of a presented refresh token). */
  async logout(target: { sessionId?: string; refreshToken?: string; userId?: number }, actor: RequestActor): Promise<void> {
    let familyId = target.sessionId;
    let userId = target.userId;
    if (!familyId && target.refreshToken) {
      const family = await this.refreshTokens.familyOf(target.refreshToken);
      if (!family) throw new AuthError('UNAUTHENTICATED', 'the refresh token is not valid');
      ({ familyId, userId } = family);
    }
    if (!familyId) throw new AuthError('UNAUTHENTICATED', 'log out needs a bearer token or a refresh token');
    await this.refreshTokens.revokeFamily(familyId, undefined, userId);
    await this.audit.record({ ...auditedBy(actor), action: 'auth.logout', outcome: 'success', target: actor.principal?.username ?? String(userId), details: { sessionId: familyId } });
  }

  listSessions(userId: number): Promise<SessionInfo[]> {
    return this.refreshTokens.listSessions(userId);
  }

  /** Every user's live sessions, newest first (administrators). */
  listAllSessions(): Promise<(SessionInfo & { userId: number; username: string })[]> {
    return this.refreshTokens.listAllSessions();
  }

  /** Ends any user's session (administrators); NOT_FOUND when it is not active. Audited with the session's user as target. */
  async revokeAnySession(sessionId: string, actor: RequestActor): Promise<void> {
    const owner = await this.refreshTokens.liveSessionOwner(sessionId);
    const revoked = owner ? await this.refreshTokens.revokeFamily(sessionId, undefined, owner.userId) : 0;
    if (!owner || revoked === 0) throw new AppError('NOT_FOUND', `no active session ${sessionId}`);
    await this.audit.record({ ...auditedBy(actor), action: 'auth.session.revoke', outcome: 'success', target: owner.username, details: { sessionId, userId: owner.userId } });
  }

  /** Revokes one of the user's own sessions (NOT_FOUND when it is not theirs or already ended). */
  async revokeSession(userId: number, sessionId: string, actor: RequestActor): Promise<void> {
    const revoked = await this.refreshTokens.revokeFamily(sessionId, undefined, userId);
    if (revoked === 0) throw new AppError('NOT_FOUND', `no active session ${sessionId}`);
    await this.audit.record({ ...auditedBy(actor), action: 'auth.session.revoke', outcome: 'success', target: actor.principal?.username ?? String(userId), details: { sessionId } });
  }

  /** Verifies a bearer access token against the key and the current database state. */
  async verifyAccessToken(token: string): Promise<TokenPrincipal> {
    const claims = await this.accessTokens.verify(token);
    const user = await this.users.byId(claims.userId);
    if (!user || user.disabled) throw new AuthError('UNAUTHENTICATED', 'the account behind this token is disabled or deleted');
    if (!(await this.refreshTokens.isFamilyActive(claims.sessionId, user.id))) {
      throw new AuthError('UNAUTHENTICATED', 'this session has ended; log in again');
    }
    return { userId: user.id, username: user.username, isAdmin: user.role === 'admin', sessionId: claims.sessionId };
  }

  private async pair(user: UserRecord, familyId: string, refreshToken: string): Promise<TokenPair> {
    const accessToken = await this.accessTokens.sign({ userId: user.id, sessionId: familyId });
    return { accessToken, refreshToken, expiresIn: this.accessTokens.lifetimeSeconds, user: toUserView(user) };
  }
}
