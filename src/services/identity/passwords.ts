import bcrypt from 'bcrypt';
import { ValidationError } from '../../lib/errors.js';

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; longer inputs would silently be truncated. */
export const MAX_PASSWORD_BYTES = 72;

/** Throws VALIDATION unless `password` meets the policy (8+ characters, at most 72 bytes). */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`${field} must be at least ${MIN_PASSWORD_LENGTH} characters long`, { details: { fields: [{ field }] } });
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationError(`${field} must be at most ${MAX_PASSWORD_BYTES} bytes long`, { details: { fields: [{ field }] } });
  }
}

/** bcrypt hashing at the configured cost (12 in production, 4 in tests). */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /**
   * Spends the time of one verification against a throwaway hash, so an unknown username takes
   * as long to refuse as a wrong password (no user enumeration by timing).
   */
  async burn(password: string): Promise<void> {
    this.dummy ??= bcrypt.hash('nasd-dummy-password', this.cost);
    await bcrypt.compare(password, await this.dummy);
  }
}
