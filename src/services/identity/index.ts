import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditLog } from '../../audit/index.js';
import type { Config } from '../../config/index.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { Account } from './account.js';
import { AccessTokens, loadJwtKey } from './access-tokens.js';
import { AppPasswords } from './app-passwords.js';
import { BasicAuth, type BasicAuthVerifier } from './basic-auth.js';
import { ensureInitialAdmin, type FirstRunResult } from './first-run.js';
import { CredentialGuard } from './guard.js';
import { PasswordHasher, type HasherStats } from './passwords.js';
import { RefreshTokens } from './refresh-tokens.js';
import { Sessions, type TokenPrincipal } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import { loadTotpKey, TotpSecretCipher } from './totp-cipher.js';
import { TwoFactor } from './two-factor.js';
import { UsersService } from './users.js';
import { NO_CREDENTIAL_EVENTS, type CredentialEvents } from './credential-events.js';
import { TrustEpoch } from './trust-epoch.js';

export type { PasswordChangeOptions, Proof } from './account.js';
export type { HasherStats } from './passwords.js';
export type { AppPasswordView } from './app-passwords.js';
export type { BasicAuthVerifier } from './basic-auth.js';
export type { FirstRunResult } from './first-run.js';
export { INITIAL_ADMIN, INITIAL_PASSWORD_FILE } from './first-run.js';
export { assertPasswordPolicy, MIN_PASSWORD_LENGTH } from './passwords.js';
export type { ClientMeta, SessionInfo } from './refresh-tokens.js';
export { generatePassword } from './secrets.js';
export { loadTotpKey, SecretBox, SecretUnreadableError } from './totp-cipher.js';
export type { LoginInput, TokenPair, TokenPrincipal } from './sessions.js';
export type { TotpEnrolment } from './totp.js';
export type { CreateUserInput, UpdateProfileInput, UpdateUserInput, UserRole, UserView } from './types.js';
export { assertValidUsername, RESERVED_USERNAMES } from './usernames.js';
export type { BeforeUserDelete, UsersService } from './users.js';
export type { Sessions } from './sessions.js';
export type { Account } from './account.js';
export type { TwoFactor } from './two-factor.js';
export type { AppPasswords } from './app-passwords.js';
export type { CredentialEvents, CredentialSubject } from './credential-events.js';

/** Everything identity offers the API, the protocols, the CLI and the scheduler. */
export interface Identity {
  users: UsersService;
  sessions: Sessions;
  account: Account;
  twoFactor: TwoFactor;
  appPasswords: AppPasswords;
  /** For the API's bearer middleware: throws AuthError(UNAUTHENTICATED) unless valid and live. */
  verifyAccessToken(token: string): Promise<TokenPrincipal>;
  /** For WebDAV and SMB Basic auth (account password with 2FA off, or an app password). */
  verifyBasic: BasicAuthVerifier;
  /** Password-hashing load: running and waiting checks, merged and shed ones (for tests and metrics). */
  hashingStats(): HasherStats;
  /** First start: creates `admin` when there are no users. */
  ensureInitialAdmin(): Promise<FirstRunResult | undefined>;
  /** Housekeeping for the scheduler: drops long-expired refresh tokens and ended throttle windows. */
  prune(): Promise<{ refreshTokens: number; throttleWindows: number }>;
  /**
   * sha256 of the JWT and TOTP keys (which cannot be recovered from it): processes sharing a
   * database compare it, since each must accept the others' tokens and read their secrets.
   */
  keysFingerprint: string;
}

export interface IdentityDeps {
  knex: Knex;
  audit: AuditLog;
  config: Pick<Config, 'auth' | 'dataDir' | 'adminPassword'>;
  now?: () => number;
  /** Where identity reports operator-facing errors (an unreadable TOTP secret); errors-only stdout when absent. */
  logger?: Logger;
  /** Told about passwords, disabling, 2FA and deletion once they commit (SMB's account sync). */
  events?: CredentialEvents;
}

function keysFingerprint(jwtKey: Uint8Array, totpKey: Buffer): string {
  const part = (key: Uint8Array) => Buffer.concat([Buffer.from(`${key.length}:`), key]);
  return crypto.createHash('sha256').update('nasd keys v1\n').update(part(jwtKey)).update(part(totpKey)).digest('hex');
}

/**
 * Builds the identity services over one database. Reads (or creates) the JWT and TOTP key files, so call it
 * from the composition root (main.ts) or the CLI, never at import time.
 */
export function createIdentity(deps: IdentityDeps): Identity {
  const { knex, audit, config } = deps;
  const now = deps.now ?? Date.now;
  const auth = config.auth;
  const hasher = new PasswordHasher(auth.bcryptCost, { concurrency: auth.hashConcurrency, queueLength: auth.hashQueueLength });
  const throttle = new LoginThrottle(
    knex,
    {
      maxFailuresPerAccountAddress: auth.maxFailuresPerAccountAddress,
      maxFailuresPerAddress: auth.maxFailuresPerAddress,
      maxFailuresPerAccount: auth.maxFailuresPerAccount,
      windowSeconds: auth.loginWindowSeconds,
      knownAddressSeconds: auth.knownAddressDays * 86_400,
    },
    now,
  );
  // One per identity: what ends this instance's cached Basic-auth credentials at once.
  const trust = new TrustEpoch();
  const guard = new CredentialGuard(throttle, audit, hasher, now, trust);
  const refreshTokens = new RefreshTokens(knex, auth.refreshTokenTtlSeconds, now);
  const jwtKey = loadJwtKey(auth.jwtSecret, config.dataDir);
  const totpKey = loadTotpKey(auth.totpKey, config.dataDir);
  const accessTokens = new AccessTokens(jwtKey, auth.accessTokenTtlSeconds, now);
  const events = deps.events ?? NO_CREDENTIAL_EVENTS;
  const users = new UsersService(knex, audit, hasher, refreshTokens, now, events, trust);
  const logger = deps.logger ?? createLogger('error', { component: 'identity' });
  const twoFactor = new TwoFactor(knex, audit, new TotpSecretCipher(totpKey), logger, now, events, trust);
  const appPasswords = new AppPasswords(knex, audit, hasher, now, events, trust);
  const sessions = new Sessions(knex, audit, hasher, guard, twoFactor, accessTokens, refreshTokens);
  const account = new Account(knex, hasher, guard, twoFactor, users, appPasswords);
  const basic = new BasicAuth(knex, hasher, guard, appPasswords, trust, auth.basicCacheSeconds, now);
  return {
    users,
    sessions,
    account,
    twoFactor,
    appPasswords,
    verifyAccessToken: (token) => sessions.verifyAccessToken(token),
    verifyBasic: basic.verify,
    hashingStats: () => hasher.stats(),
    ensureInitialAdmin: () => ensureInitialAdmin(users, config.dataDir, config.adminPassword),
    prune: async () => ({ refreshTokens: await refreshTokens.prune(), throttleWindows: await throttle.prune() }),
    keysFingerprint: keysFingerprint(jwtKey, totpKey),
  };
}
