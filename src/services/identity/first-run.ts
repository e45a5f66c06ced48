import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../lib/errors.js';
import { systemActor } from '../../lib/request-actor.js';
import { generatePassword } from './secrets.js';
import type { UsersService } from './users.js';

export const INITIAL_ADMIN = 'admin';
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

/** What the first start did, so the CLI can tell the operator how to log in (once). */
export interface FirstRunResult {
  username: string;
  /** Where the password was written (mode 0600). */
  passwordFile: string;
  /** true when nasd made the password up (no NASD_ADMIN_PASSWORD). */
  generated: boolean;
}

/**
 * On a database without users, creates the administrator `admin` with `configuredPassword` or a
 * random strong one and writes it to `<dataDir>/initial-admin-password` (0600). Returns undefined
 * when users already exist: nothing is created or shown again.
 */
export async function ensureInitialAdmin(users: UsersService, dataDir: string, configuredPassword: string | undefined): Promise<FirstRunResult | undefined> {
  if ((await users.count()) > 0) return undefined;
  const password = configuredPassword ?? generatePassword();
  try {
    await users.create(
      { username: INITIAL_ADMIN, password, role: 'admin', displayName: 'Administrator' },
      systemActor(),
    );
  } catch (err) {
    // Another nasd process sharing the database won the race and wrote the file itself.
    if (err instanceof AppError && err.code === 'ALREADY_EXISTS') return undefined;
    throw err;
  }
  const passwordFile = path.join(dataDir, INITIAL_PASSWORD_FILE);
  fs.rmSync(passwordFile, { force: true }); // a stale file from an earlier database
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return { username: INITIAL_ADMIN, passwordFile, generated: configuredPassword === undefined };
}
