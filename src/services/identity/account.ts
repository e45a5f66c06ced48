import type { Knex } from 'knex';
import { AppError, AuthError, ValidationError } from '../../lib/errors.js';
import type { RequestActor } from '../../lib/request-actor.js';
import type { AppPasswords, AppPasswordView } from './app-passwords.js';
import { judged, type CredentialGuard } from './guard.js';
import type { PasswordHasher } from './passwords.js';
import type { TwoFactor } from './two-factor.js';
import type { UpdateProfileInput, UserView } from './types.js';
import { UserRepo, type UserRecord } from './user-repo.js';
import type { UsersService } from './users.js';

/** Proof of identity for a sensitive change: the account password or a current second factor. */
export interface Proof {
  password?: string;
  /** TOTP code or recovery code (only when 2FA is on). */
  code?: string;
}

/** What a user may choose when changing their own password (both default to true). */
export interface PasswordChangeOptions {
  /** End every other session (refresh-token family) of the user. */
  revokeOtherSessions?: boolean;
  /** Revoke every app password (WebDAV/SMB devices must get new ones). */
  revokeAppPasswords?: boolean;
}

/**
 * Self-service changes that need the caller to prove again who they are (a stolen access token
 * alone must not be enough): password change, creating an app password, turning 2FA on or off,
 * new recovery codes, changing the email address. Every such request carries the proof itself
 * (there is no "recently logged in" grace). Proofs are counted by the failed-login throttle before
 * they are checked, and audited.
 */
export class Account {
  private readonly userRows: UserRepo;

  constructor(
    knex: Knex,
    private readonly hasher: PasswordHasher,
    private readonly guard: CredentialGuard,
    private readonly twoFactor: TwoFactor,
    private readonly users: UsersService,
    private readonly appPasswords: AppPasswords,
  ) {
    this.userRows = new UserRepo(knex);
  }

  /** Changes the caller's password; by default their other sessions and their app passwords end. */
  async changePassword(
    userId: number,
    currentPassword: string,
    newPassword: string,
    ctx: RequestActor & { sessionId?: string },
    options: PasswordChangeOptions = {},
  ): Promise<void> {
    await this.reauth(userId, { password: currentPassword }, ctx);
    await this.users.setPassword(userId, newPassword, {
      ...ctx,
      action: 'auth.password.change',
      keepSessionId: ctx.sessionId,
      revokeSessions: options.revokeOtherSessions ?? true,
      revokeAppPasswords: options.revokeAppPasswords ?? true,
    });
  }

  /** Creates an app password once the proof is checked (a token alone cannot mint a lasting credential). */
  async createAppPassword(userId: number, name: string, proof: Proof, actor: RequestActor, options: { smb?: boolean } = {}): Promise<AppPasswordView & { password: string }> {
    await this.reauth(userId, proof, actor);
    return this.appPasswords.create(userId, name, actor, options);
  }

  /** Turns 2FA on: the current password and a code from the pending secret. */
  async confirmTotp(userId: number, code: string, password: string, actor: RequestActor): Promise<string[]> {
    await this.reauth(userId, { password }, actor);
    return this.twoFactor.confirm(userId, code, actor);
  }

  async disableTotp(userId: number, proof: Proof, actor: RequestActor): Promise<void> {
    const user = await this.reauth(userId, proof, actor);
    if (!user.totpEnabled && !user.totpSecret) throw new AppError('CONFLICT', 'two-factor authentication is already off');
    await this.twoFactor.disable(userId, { ...actor, action: 'auth.totp.disable' });
  }

  async regenerateRecoveryCodes(userId: number, proof: Proof, actor: RequestActor): Promise<string[]> {
    await this.reauth(userId, proof, actor);
    return this.twoFactor.regenerateRecoveryCodes(userId, actor);
  }

  /** Own display name and email; a new email needs the proof, the display name does not. */
  async updateProfile(userId: number, patch: UpdateProfileInput, proof: Proof, actor: RequestActor): Promise<UserView> {
    const current = await this.users.get(userId);
    if (patch.email !== undefined && patch.email !== current.email) {
      if (proof.password === undefined && proof.code === undefined) {
        throw new ValidationError('changing the email needs the current password (or a two-factor code)', { details: { fields: [{ field: 'password' }] } });
      }
      await this.reauth(userId, proof, actor);
    }
    return this.users.updateProfile(userId, patch, actor);
  }

  /** Checks the proof (throttled and audited as `auth.reauth`); FORBIDDEN when it is wrong. */
  private async reauth(userId: number, proof: Proof, actor: RequestActor): Promise<UserRecord> {
    if (proof.password === undefined && proof.code === undefined) {
      throw new ValidationError('give the current password or a two-factor code', { details: { fields: [{ field: 'password' }, { field: 'code' }] } });
    }
    const user = await this.userRows.byId(userId);
    if (!user) throw new AuthError('UNAUTHENTICATED', 'the account no longer exists');
    const ticket = await this.guard.begin({ action: 'auth.reauth', account: user.username, actor });
    const ok = await judged(ticket, async () => {
      // The caller holds a valid token: their check goes in the priority lane.
      if (proof.password !== undefined) return this.hasher.verify(proof.password, user.passwordHash, { priority: true });
      return (await this.twoFactor.consume(user, proof.code!)) !== null;
    });
    if (!ok) {
      await ticket.failed(proof.password !== undefined ? 'bad_password' : 'bad_second_factor');
      throw new AuthError('FORBIDDEN', proof.password !== undefined ? 'the current password is wrong' : 'the two-factor code is not valid');
    }
    await ticket.succeeded();
    return user;
  }
}
