import type { Knex } from 'knex';
import { NO_CREDENTIAL_EVENTS, subjectOf, type CredentialEvents } from './credential-events.js';
import { auditedBy, type AuditLog } from '../../audit/index.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { RequestActor } from '../../lib/request-actor.js';
import { hashRecoveryCode, looksLikeTotpCode, newRecoveryCodes, newTotpEnrolment, verifyTotpCode, type TotpEnrolment } from './totp.js';
import { TotpSecretCipher } from './totp-cipher.js';
import { RecoveryCodeRepo } from './recovery-code-repo.js';
import { UserRepo, type UserRecord } from './user-repo.js';
import { nextGeneration } from './users.js';
import type { TrustEpoch } from './trust-epoch.js';

/**
 * TOTP second factor and its recovery codes. Codes are single use: an accepted TOTP step is stored
 * and earlier or equal steps are refused; a recovery code is marked used by a conditional update.
 * Proving who the caller is (password, code) is the caller's job; this class only changes state.
 * Secrets are stored encrypted (TotpSecretCipher); a legacy plain-text secret still works and is
 * re-encrypted when a code is accepted. A secret that does not decrypt fails closed: logged, code refused.
 */
export class TwoFactor {
  private readonly users: UserRepo;
  private readonly recoveryCodes: RecoveryCodeRepo;

  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditLog,
    private readonly cipher: TotpSecretCipher,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly events: CredentialEvents = NO_CREDENTIAL_EVENTS,
    private readonly trust: TrustEpoch,
  ) {
    this.users = new UserRepo(knex);
    this.recoveryCodes = new RecoveryCodeRepo(knex);
  }

  /** Starts enrolment: stores a pending secret (2FA stays off until confirmed). */
  async enrol(userId: number, actor: RequestActor): Promise<TotpEnrolment> {
    const user = await this.load(userId);
    if (user.totpEnabled) throw new AppError('CONFLICT', 'two-factor authentication is already on; disable it first');
    const enrolment = await newTotpEnrolment(user.username);
    await this.users.update(userId, { totpSecret: this.cipher.encrypt(enrolment.secret, userId), totpLastStep: null });
    await this.audit.record({ ...auditedBy(actor), action: 'auth.totp.enrol', outcome: 'success', target: user.username });
    return enrolment;
  }

  /** Turns 2FA on when `code` matches the pending secret; returns the new recovery codes (shown once). */
  async confirm(userId: number, code: string, actor: RequestActor): Promise<string[]> {
    const user = await this.load(userId);
    if (user.totpEnabled) throw new AppError('CONFLICT', 'two-factor authentication is already on');
    if (!user.totpSecret) throw new AppError('CONFLICT', 'start enrolment first (POST /api/me/totp)');
    const secret = this.readSecret(user);
    if (secret === null) throw new AppError('CONFLICT', 'the pending two-factor secret cannot be read; start enrolment again (POST /api/me/totp)');
    const step = await verifyTotpCode(secret, code, null, this.now());
    if (step === null) {
      await this.audit.record({ ...auditedBy(actor), action: 'auth.totp.enable', outcome: 'failure', target: user.username, details: { reason: 'bad_code' } });
      throw new AppError('VALIDATION', 'the code is not valid; check the authenticator app and the clock', { details: { fields: [{ field: 'code' }] } });
    }
    const codes = await this.knex.transaction(async (trx) => {
      await this.users.update(userId, { totpEnabled: true, totpLastStep: step, ...this.upgradedSecret(user, secret), updatedAt: nextGeneration(user.updatedAt, this.now()) }, trx);
      const fresh = await this.replaceRecoveryCodes(trx, userId);
      await this.audit.record({ ...auditedBy(actor), action: 'auth.totp.enable', outcome: 'success', target: user.username }, trx);
      return fresh;
    });
    this.trust.advance();
    await this.events.statusChanged(subjectOf({ ...user, totpEnabled: true }), 'totp-on');
    return codes;
  }

  /** Turns 2FA off and drops the recovery codes (the caller has checked a code or the password). */
  async disable(userId: number, ctx: RequestActor & { action: 'auth.totp.disable' | 'user.totp.reset' }): Promise<void> {
    const user = await this.load(userId);
    await this.knex.transaction(async (trx) => {
      await this.users.update(userId, { totpEnabled: false, totpSecret: null, totpLastStep: null, updatedAt: nextGeneration(user.updatedAt, this.now()) }, trx);
      await this.recoveryCodes.removeAllOf(userId, trx);
      await this.audit.record({ ...auditedBy(ctx), action: ctx.action, outcome: 'success', target: user.username }, trx);
    });
    this.trust.advance();
    if (user.totpEnabled) await this.events.statusChanged(subjectOf({ ...user, totpEnabled: false }), 'totp-off');
  }

  /** New recovery codes replace the old ones (2FA must be on). */
  async regenerateRecoveryCodes(userId: number, actor: RequestActor): Promise<string[]> {
    const user = await this.load(userId);
    if (!user.totpEnabled) throw new AppError('CONFLICT', 'two-factor authentication is off');
    return this.knex.transaction(async (trx) => {
      const codes = await this.replaceRecoveryCodes(trx, userId);
      await this.audit.record({ ...auditedBy(actor), action: 'auth.recovery.regenerate', outcome: 'success', target: user.username }, trx);
      return codes;
    });
  }

  async recoveryCodesRemaining(userId: number): Promise<number> {
    return this.recoveryCodes.countUnused(userId);
  }

  /**
   * Checks a second factor for a user with 2FA on: a six-digit TOTP code (newer than the last one
   * accepted) or an unused recovery code. Consumes it when valid.
   */
  async consume(user: UserRecord, value: string): Promise<'totp' | 'recovery' | null> {
    if (!user.totpEnabled || !user.totpSecret) return null;
    if (looksLikeTotpCode(value)) {
      const secret = this.readSecret(user);
      if (secret === null) return null;
      const step = await verifyTotpCode(secret, value, user.totpLastStep, this.now());
      if (step === null) return null;
      // Conditional update: two concurrent logins with the same code cannot both pass.
      return (await this.users.claimTotpStep(user.id, step, this.upgradedSecret(user, secret))) ? 'totp' : null;
    }
    return (await this.recoveryCodes.claim(user.id, hashRecoveryCode(value), this.now())) ? 'recovery' : null;
  }

  /** The plain secret, or null (logged as an error) when the stored value does not decrypt. */
  private readSecret(user: UserRecord): string | null {
    try {
      return this.cipher.decrypt(user.totpSecret!, user.id);
    } catch (err) {
      this.logger.error({ userId: user.id, username: user.username, err: (err as Error).message }, 'two-factor check refused: stored TOTP secret is unreadable');
      return null;
    }
  }

  /** A patch that re-encrypts a legacy plain-text secret (empty when it is already encrypted). */
  private upgradedSecret(user: UserRecord, secret: string): { totpSecret?: string } {
    return TotpSecretCipher.isLegacy(user.totpSecret!) ? { totpSecret: this.cipher.encrypt(secret, user.id) } : {};
  }

  private async replaceRecoveryCodes(trx: Knex.Transaction, userId: number): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.recoveryCodes.replace(userId, codes.map(hashRecoveryCode), this.now(), trx);
    return codes;
  }

  private async load(userId: number): Promise<UserRecord> {
    const user = await this.users.byId(userId);
    if (!user) throw new AppError('NOT_FOUND', `no user with id ${userId}`);
    return user;
  }
}
