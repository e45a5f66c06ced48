import type { Knex } from 'knex';
import { auditedBy, type AuditLog } from '../../audit/index.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import type { RequestActor } from '../../lib/request-actor.js';
import type { CheckOptions, PasswordHasher } from './passwords.js';
import { randomSymbols } from './secrets.js';
import { AppPasswordRepo, type AppPasswordRecord } from './app-password-repo.js';
import { UserRepo } from './user-repo.js';
import { nextGeneration } from './users.js';
import { NO_CREDENTIAL_EVENTS, subjectOf, type CredentialEvents } from './credential-events.js';
import type { TrustEpoch } from './trust-epoch.js';

const LENGTH = 24;
const PREFIX_LENGTH = 6;
const SHAPE = /^[a-hjkmnp-z1-9]{24}$/;
export const MAX_APP_PASSWORDS_PER_USER = 50;

/** An app password as listed (never the secret). */
export interface AppPasswordView {
  id: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  lastUsedAddress: string | null;
  /** Whether it is also the SMB password. */
  smb: boolean;
}

/** Dashes, spaces and case do not matter when an app password is typed into a client. */
export function normalizeAppPassword(value: string): string {
  return value.toLowerCase().replace(/[\s-]/g, '');
}

/** Whether a Basic-auth password has the shape of an app password (then its prefix is looked up). */
export function looksLikeAppPassword(value: string): boolean {
  return SHAPE.test(normalizeAppPassword(value));
}

function toView(row: AppPasswordRecord): AppPasswordView {
  return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, lastUsedAddress: row.lastUsedAddress, smb: row.smb };
}

/**
 * Per-device passwords for WebDAV and SMB (which cannot do TOTP or JWT): 120 random bits, shown
 * once, stored as bcrypt with a 6-character lookup prefix so a check costs one bcrypt, revocable.
 * They never log in to the API.
 */
export class AppPasswords {
  private readonly passwords: AppPasswordRepo;
  private readonly users: UserRepo;

  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditLog,
    private readonly hasher: PasswordHasher,
    private readonly now: () => number = Date.now,
    private readonly events: CredentialEvents = NO_CREDENTIAL_EVENTS,
    private readonly trust: TrustEpoch,
  ) {
    this.passwords = new AppPasswordRepo(knex);
    this.users = new UserRepo(knex);
  }

  async list(userId: number): Promise<AppPasswordView[]> {
    return (await this.passwords.activeOf(userId)).map(toView);
  }

  /**
   * Creates one; the returned `password` is the only time it is ever shown. With `smb` it also
   * becomes the user's SMB password (replacing the previous one there).
   */
  async create(userId: number, name: string, actor: RequestActor, options: { smb?: boolean } = {}): Promise<AppPasswordView & { password: string }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 64) throw new ValidationError('name must be 1-64 characters', { details: { fields: [{ field: 'name' }] } });
    const secret = randomSymbols(LENGTH);
    const passwordHash = await this.hasher.hash(secret);
    const { row, user } = await this.knex.transaction(async (trx) => {
      const user = await this.users.byId(userId, trx);
      if (!user) throw new AppError('NOT_FOUND', `no user with id ${userId}`);
      if ((await this.passwords.countActive(userId, trx)) >= MAX_APP_PASSWORDS_PER_USER) {
        throw new AppError('CONFLICT', `at most ${MAX_APP_PASSWORDS_PER_USER} app passwords; revoke one first`);
      }
      const created = await this.passwords.insert(
        {
          userId,
          name: trimmed,
          lookupPrefix: secret.slice(0, PREFIX_LENGTH),
          passwordHash,
          createdAt: this.now(),
          lastUsedAt: null,
          lastUsedAddress: null,
          revokedAt: null,
          smb: options.smb ?? false,
        },
        trx,
      );
      await this.audit.record({ ...auditedBy(actor), action: 'auth.app_password.create', outcome: 'success', target: user.username, details: { id: created.id, name: trimmed, smb: created.smb } }, trx);
      return { row: created, user };
    });
    const password = secret.match(/.{6}/g)!.join('-');
    if (row.smb) await this.events.smbAppPassword(subjectOf(user), password);
    return { ...toView(row), password };
  }

  /** Revokes one of the user's app passwords; cached Basic-auth checks with it end at once. */
  async revoke(userId: number, id: number, actor: RequestActor): Promise<void> {
    const revoked = await this.knex.transaction(async (trx) => {
      const row = await this.passwords.byId(userId, id, trx);
      if (!row || row.revokedAt !== null) throw new AppError('NOT_FOUND', `no app password with id ${id}`);
      const user = await this.users.byId(userId, trx);
      if (!user) throw new AppError('NOT_FOUND', `no user with id ${userId}`);
      await this.passwords.revoke(id, this.now(), trx);
      await this.users.update(userId, { updatedAt: nextGeneration(user.updatedAt, this.now()) }, trx);
      await this.audit.record({ ...auditedBy(actor), action: 'auth.app_password.revoke', outcome: 'success', target: user.username, details: { id, name: row.name } }, trx);
      return { row, user };
    });
    this.trust.advance();
    if (revoked.row.smb) await this.events.smbAppPasswordRevoked(subjectOf(revoked.user));
  }

  /** The active app password of `userId` that `value` is, with its last use recorded; else undefined. */
  async match(userId: number, value: string, address: string | undefined, options: CheckOptions = {}): Promise<AppPasswordView | undefined> {
    const secret = normalizeAppPassword(value);
    if (!SHAPE.test(secret)) return undefined;
    const candidates = await this.passwords.activeWithPrefix(userId, secret.slice(0, PREFIX_LENGTH));
    for (const row of candidates) {
      if (await this.hasher.verify(secret, row.passwordHash, options)) {
        const lastUsedAt = this.now();
        await this.passwords.recordUse(row.id, lastUsedAt, address?.slice(0, 64) ?? null);
        return { ...toView(row), lastUsedAt, lastUsedAddress: address ?? null };
      }
    }
    return undefined;
  }
}
