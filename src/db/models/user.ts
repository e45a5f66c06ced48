import { BaseModel } from './base.js';

export type UserRole = 'admin' | 'user';

/** A row of `users`. Business rules (username syntax, last admin) live in services/identity. */
export class UserModel extends BaseModel {
  static override tableName = 'users';
  static override booleanColumns = ['disabled', 'totpEnabled'];

  id!: number;
  username!: string;
  displayName!: string;
  email!: string;
  role!: UserRole;
  passwordHash!: string;
  /** null = unlimited. */
  quotaBytes!: number | null;
  disabled!: boolean;
  /**
   * Set while enrolling (totpEnabled false) and once enabled: `v1:…` AES-GCM ciphertext of the base32
   * secret (services/identity/totp-cipher.ts), or legacy plain base32 until its next accepted code.
   */
  totpSecret!: string | null;
  totpEnabled!: boolean;
  /** Last accepted TOTP time step; codes at or before it are replays. */
  totpLastStep!: number | null;
  passwordChangedAt!: number;
  /** Last successful API login; null = never. Not a credential change, so it never moves `updatedAt`. */
  lastLoginAt!: number | null;
  createdAt!: number;
  /** Also the credential generation: bumped on every password, 2FA, role, disable or app-password change. */
  updatedAt!: number;
}
