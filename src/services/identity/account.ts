import type { Knex } from 'knex';
import { UserModel } from '../../db/models/index.js';
import { AppError, AuthError, ValidationError } from '../../lib/errors.js';
import type { CredentialGuard } from './guard.js';
import type { PasswordHasher } from './passwords.js';
import type { TwoFactor } from './two-factor.js';
import type { AuditContext } from './types.js';
import type { UsersService } from './users.js';

/** Proof of identity for a sensitive change: the account password or a current second factor. */
export interface Proof {
  password?: string;
  /** TOTP code or recovery code (only when 2FA is on). */
  code?: string;
}

/**
 * Self-service changes that need the caller to prove again who they are (a stolen access token
 * alone must not be enough): password change, turning 2FA off, new recovery codes. Wrong proofs
 * count toward the account's failed-login throttle and are audited.
 */
export class Account {
  constructor(
    private readonly knex: Knex,
    private readonly hasher: PasswordHasher,
    private readonly guard: CredentialGuard,
    private readonly twoFactor: TwoFactor,
    private readonly users: UsersService,
  ) {}

  /** Changes the caller's password; their other sessions end, the current one stays. */
  async changePassword(userId: number, currentPassword: string, newPassword: string, ctx: AuditContext & { sessionId?: string }): Promise<void> {
    await this.reauth(userId, { password: currentPassword }, ctx);
    await this.users.setPassword(userId, newPassword, { ...ctx, action: 'auth.password.change', keepSessionId: ctx.sessionId });
  }

  async disableTotp(userId: number, proof: Proof, ctx: AuditContext): Promise<void> {
    const user = await this.reauth(userId, proof, ctx);
    if (!user.totpEnabled && !user.totpSecret) throw new AppError('CONFLICT', 'two-factor authentication is already off');
    await this.twoFactor.disable(userId, { ...ctx, action: 'auth.totp.disable' });
  }

  async regenerateRecoveryCodes(userId: number, proof: Proof, ctx: AuditContext): Promise<string[]> {
    await this.reauth(userId, proof, ctx);
    return this.twoFactor.regenerateRecoveryCodes(userId, ctx);
  }

  /** Checks the proof (throttled and audited as `auth.reauth`); FORBIDDEN when it is wrong. */
  private async reauth(userId: number, proof: Proof, ctx: AuditContext): Promise<UserModel> {
    if (proof.password === undefined && proof.code === undefined) {
      throw new ValidationError('give the current password or a two-factor code', { details: { fields: [{ field: 'password' }, { field: 'code' }] } });
    }
    const user = await UserModel.query(this.knex).findById(userId);
    if (!user) throw new AuthError('UNAUTHENTICATED', 'the account no longer exists');
    const attempt = { action: 'auth.reauth', account: user.username, ctx };
    await this.guard.assertAllowed(attempt);
    let ok = false;
    if (proof.password !== undefined) ok = await this.hasher.verify(proof.password, user.passwordHash);
    else if (proof.code !== undefined) ok = (await this.twoFactor.consume(user, proof.code)) !== null;
    if (!ok) {
      await this.guard.failed(attempt, proof.password !== undefined ? 'bad_password' : 'bad_second_factor');
      throw new AuthError('FORBIDDEN', proof.password !== undefined ? 'the current password is wrong' : 'the two-factor code is not valid');
    }
    await this.guard.succeeded(attempt);
    return user;
  }
}
