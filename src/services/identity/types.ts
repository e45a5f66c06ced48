export type UserRole = 'admin' | 'user';

/** A user as the API and CLI show it (never the hashes or the TOTP secret). */
export interface UserView {
  id: number;
  username: string;
  displayName: string;
  email: string;
  role: UserRole;
  /** null = unlimited. */
  quotaBytes: number | null;
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: number;
  updatedAt: number;
  passwordChangedAt: number;
  /** Last successful API (web UI) login; null = never. */
  lastLoginAt: number | null;
}

export interface CreateUserInput {
  username: string;
  password: string;
  role?: UserRole;
  quotaBytes?: number | null;
  displayName?: string;
  email?: string;
  disabled?: boolean;
}

/** What an administrator may change on an account (the username is fixed: it names the home folder). */
export interface UpdateUserInput {
  role?: UserRole;
  quotaBytes?: number | null;
  displayName?: string;
  email?: string;
  disabled?: boolean;
}

/** What a user may change on their own profile. */
export interface UpdateProfileInput {
  displayName?: string;
  email?: string;
}
