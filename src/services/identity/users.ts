import type { Knex } from 'knex';
import { auditedBy, type AuditLog } from '../../audit/index.js';
import { AppError } from '../../lib/errors.js';
import type { Principal, RequestActor } from '../../lib/request-actor.js';
import { isUniqueViolation } from '../../lib/unique-violation.js';
import { AppPasswordRepo } from './app-password-repo.js';
import { assertPasswordPolicy, type PasswordHasher } from './passwords.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { CreateUserInput, UpdateProfileInput, UpdateUserInput, UserView } from './types.js';
import { UserRepo, type UserPatch, type UserRecord } from './user-repo.js';
import { assertValidUsername } from './usernames.js';
import { NO_CREDENTIAL_EVENTS, subjectOf, type CredentialEvents } from './credential-events.js';
import type { TrustEpoch } from './trust-epoch.js';

/** The principal a user signs in as. */
export function principalOf(user: UserRecord): Principal {
  return { userId: user.id, username: user.username, isAdmin: user.role === 'admin' };
}

export function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    role: u.role,
    quotaBytes: u.quotaBytes,
    disabled: u.disabled,
    totpEnabled: u.totpEnabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    passwordChangedAt: u.passwordChangedAt,
    lastLoginAt: u.lastLoginAt,
  };
}

/**
 * The next credential generation: `updated_at` moves forward on every change that must end cached
 * Basic-auth verifications (strictly, even twice in one millisecond).
 */
export function nextGeneration(previous: number, now: number): number {
  return Math.max(now, previous + 1);
}

/** Work that must commit or fail together with a user's deletion (inside its transaction). */
export type BeforeUserDelete = (trx: Knex.Transaction, user: UserView) => Promise<void>;

/**
 * Accounts: creation, admin changes, deletion, password resets. Every change is audited. The last
 * enabled administrator can be neither deleted, demoted nor disabled.
 */
export class UsersService {
  private readonly users: UserRepo;
  private readonly appPasswords: AppPasswordRepo;

  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditLog,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    private readonly now: () => number = Date.now,
    private readonly events: CredentialEvents = NO_CREDENTIAL_EVENTS,
    /** Advanced after every change that can end a cached Basic-auth credential. */
    private readonly trust: TrustEpoch,
  ) {
    this.users = new UserRepo(knex);
    this.appPasswords = new AppPasswordRepo(knex);
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }

  async get(id: number): Promise<UserView> {
    return toUserView(await this.load(this.knex, id));
  }

  async count(): Promise<number> {
    return this.users.count();
  }

  async create(input: CreateUserInput, actor: RequestActor): Promise<UserView> {
    assertValidUsername(input.username);
    assertPasswordPolicy(input.password);
    const passwordHash = await this.hasher.hash(input.password);
    const now = this.now();
    const user = await this.knex.transaction(async (trx) => {
      if (await this.users.byUsername(input.username, trx)) {
        throw new AppError('ALREADY_EXISTS', `user "${input.username}" already exists`);
      }
      const created = await this.users.insert(
        {
          username: input.username,
          displayName: input.displayName ?? '',
          email: input.email ?? '',
          role: input.role ?? 'user',
          passwordHash,
          quotaBytes: input.quotaBytes ?? null,
          disabled: input.disabled ?? false,
          totpSecret: null,
          totpEnabled: false,
          totpLastStep: null,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        },
        trx,
      );
      await this.audit.record(
        { ...auditedBy(actor), action: 'user.create', outcome: 'success', target: created.username, details: { role: created.role, quotaBytes: created.quotaBytes } },
        trx,
      );
      return created;
    }).catch((err: unknown) => {
      // Two concurrent creations of one name: the loser hits the unique index.
      if (isUniqueViolation(err)) throw new AppError('ALREADY_EXISTS', `user "${input.username}" already exists`);
      throw err;
    });
    await this.events.accountPassword(subjectOf(user), input.password);
    return toUserView(user);
  }

  /** Admin changes; disabling also ends the user's sessions. */
  async update(id: number, patch: UpdateUserInput, actor: RequestActor): Promise<UserView> {
    const user = await this.knex.transaction(async (trx) => {
      const current = await this.load(trx, id);
      const losesAdmin = current.role === 'admin' && !current.disabled && (patch.role === 'user' || patch.disabled === true);
      if (losesAdmin) await this.assertAnotherAdmin(trx, id, patch.role === 'user' ? 'demote' : 'disable');
      const credentialChange = (patch.role !== undefined && patch.role !== current.role) || (patch.disabled !== undefined && patch.disabled !== current.disabled);
      const updated = await this.fetchAfterUpdate(trx, id, {
        ...patch,
        updatedAt: credentialChange ? nextGeneration(current.updatedAt, this.now()) : Math.max(current.updatedAt, this.now()),
      });
      if (patch.disabled === true && !current.disabled) await this.refreshTokens.revokeAllForUser(id, undefined, trx);
      const changes = Object.fromEntries(Object.entries(patch).filter(([k, v]) => current[k as keyof UpdateUserInput] !== v));
      await this.audit.record({ ...auditedBy(actor), action: 'user.update', outcome: 'success', target: current.username, details: { changes } }, trx);
      return { updated, wasDisabled: current.disabled };
    });
    this.trust.advance();
    if (user.updated.disabled !== user.wasDisabled) await this.events.statusChanged(subjectOf(user.updated), user.updated.disabled ? 'disabled' : 'enabled');
    return toUserView(user.updated);
  }

  /** A user's own profile: display name and email only. */
  async updateProfile(id: number, patch: UpdateProfileInput, actor: RequestActor): Promise<UserView> {
    const user = await this.knex.transaction(async (trx) => {
      const current = await this.load(trx, id);
      const updated = await this.fetchAfterUpdate(trx, id, { ...patch, updatedAt: Math.max(current.updatedAt, this.now()) });
      await this.audit.record({ ...auditedBy(actor), action: 'user.profile', outcome: 'success', target: current.username, details: { fields: Object.keys(patch) } }, trx);
      return updated;
    });
    return toUserView(user);
  }

  /**
   * Deletes the account (its sessions, app passwords and recovery codes cascade). Identity knows
   * nothing of storage: `beforeDelete` runs inside the same transaction, after the last-admin
   * check and before the row goes, so the caller's storage cleanup commits or fails with the
   * deletion. Call it through services/accounts.ts, which retires the user's home and files.
   */
  async remove(id: number, actor: RequestActor, beforeDelete?: BeforeUserDelete): Promise<void> {
    const removed = await this.knex.transaction(async (trx) => {
      const current = await this.load(trx, id);
      if (current.role === 'admin' && !current.disabled) await this.assertAnotherAdmin(trx, id, 'delete');
      await beforeDelete?.(trx, toUserView(current));
      await this.users.remove(id, trx);
      await this.audit.record({ ...auditedBy(actor), action: 'user.delete', outcome: 'success', target: current.username }, trx);
      return current;
    });
    this.trust.advance();
    await this.events.removed(subjectOf(removed));
  }

  /**
   * Sets a new password. An admin reset ends all the user's sessions and revokes their app
   * passwords; users changing their own choose (`revokeSessions` keeps `keepSessionId`,
   * `revokeAppPasswords`). Cached Basic-auth checks end at once (generation bump and trust epoch).
   */
  async setPassword(
    id: number,
    password: string,
    ctx: RequestActor & { action: 'user.password.reset' | 'auth.password.change'; keepSessionId?: string; revokeSessions?: boolean; revokeAppPasswords?: boolean },
  ): Promise<void> {
    assertPasswordPolicy(password);
    const reset = ctx.action === 'user.password.reset';
    const passwordHash = await this.hasher.hash(password);
    const user = await this.knex.transaction(async (trx) => {
      const current = await this.load(trx, id);
      const now = this.now();
      await this.users.update(id, { passwordHash, passwordChangedAt: now, updatedAt: nextGeneration(current.updatedAt, now) }, trx);
      const sessionsRevoked = reset || ctx.revokeSessions !== false ? await this.refreshTokens.revokeAllForUser(id, reset ? undefined : ctx.keepSessionId, trx) : 0;
      const appPasswordsRevoked = reset || ctx.revokeAppPasswords !== false ? await this.appPasswords.revokeAllOf(id, now, trx) : 0;
      await this.audit.record(
        { ...auditedBy(ctx), action: ctx.action, outcome: 'success', target: current.username, details: { sessionsRevoked, appPasswordsRevoked } },
        trx,
      );
      return current;
    });
    this.trust.advance();
    await this.events.accountPassword(subjectOf(user), password);
  }

  private async load(db: Knex, id: number): Promise<UserRecord> {
    const user = await this.users.byId(id, db);
    if (!user) throw new AppError('NOT_FOUND', `no user with id ${id}`);
    return user;
  }

  /** Changes a user loaded earlier in the same transaction and reads the row back. */
  private async fetchAfterUpdate(trx: Knex.Transaction, id: number, patch: UserPatch): Promise<UserRecord> {
    const updated = await this.users.updateAndFetch(id, patch, trx);
    if (!updated) throw new AppError('NOT_FOUND', `no user with id ${id}`);
    return updated;
  }

  /** Throws CONFLICT unless an enabled administrator other than `id` remains. */
  private async assertAnotherAdmin(trx: Knex.Transaction, id: number, verb: string): Promise<void> {
    // Every admin row stays locked (the target's too), so two admins cannot demote each other at once.
    const admins = await this.users.enabledAdmins(trx, { forUpdate: true });
    if (!admins.some((a) => a.id !== id)) throw new AppError('CONFLICT', `cannot ${verb} the last administrator`);
  }
}
