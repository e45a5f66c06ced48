import { z } from 'zod';

/** Request and response schemas of the auth, me, users and audit routes (strict: unknown fields → 400). */

const password = z.string().min(1).max(1024);
const email = z.union([z.literal(''), z.email().max(254)]);
const displayName = z.string().max(128);
const role = z.enum(['admin', 'user']);
const quotaBytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();

export const userView = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  email: z.string(),
  role,
  quotaBytes: z.number().nullable(),
  disabled: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  passwordChangedAt: z.number(),
  lastLoginAt: z.number().nullable(),
});

export const loginBody = z
  .object({
    username: z.string().min(1).max(64),
    password,
    /** Six-digit TOTP code or a recovery code, when 2FA is on. */
    totp: z.string().min(1).max(64).optional(),
  })
  .strict();

/** Without `refreshToken`, the refresh route reads the nasd_refresh cookie (needs X-Nasd-Session: cookie). */
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(512).optional() }).strict();
export const logoutBody = z.object({ refreshToken: z.string().min(1).max(512).optional() }).strict();

export const tokenPair = z.object({
  accessToken: z.string(),
  /** Absent in cookie mode (X-Nasd-Session: cookie): the token is then in the HttpOnly nasd_refresh cookie. */
  refreshToken: z.string().optional(),
  expiresIn: z.number().int(),
  user: userView,
});

/** Re-authentication fields for sensitive changes: the current password, or a two-factor code when 2FA is on. */
const proofFields = {
  password: password.optional().describe('the current account password'),
  code: z.string().min(1).max(64).optional().describe('a current TOTP code or an unused recovery code (2FA on)'),
};

export const profileBody = z
  .object({ displayName: displayName.optional(), email: email.optional(), ...proofFields })
  .strict()
  .describe('A new email needs `password` (or `code`); the display name does not.');

export const changePasswordBody = z
  .object({
    currentPassword: password,
    newPassword: password,
    revokeOtherSessions: z.boolean().default(true).describe('end every other session of the account (default true)'),
    revokeAppPasswords: z.boolean().default(true).describe('revoke every app password, so WebDAV/SMB devices need new ones (default true)'),
  })
  .strict();

export const totpEnrolment = z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() });
export const totpConfirmBody = z.object({ code: z.string().min(1).max(64), password: password.describe('the current account password') }).strict();
/** Re-authentication for sensitive changes: the current password or a two-factor code. */
export const proofBody = z.object(proofFields).strict();
export const recoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export const recoveryStatus = z.object({ totpEnabled: z.boolean(), remaining: z.number().int() });

export const appPasswordView = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  lastUsedAddress: z.string().nullable(),
  smb: z.boolean(),
});
export const appPasswordCreated = appPasswordView.extend({ password: z.string() });
export const appPasswordBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    /** Also make it the SMB password (for users with 2FA; SMB has no second factor). */
    smb: z.boolean().optional(),
    ...proofFields,
  })
  .strict()
  .describe('Needs `password` (or `code` when 2FA is on): a session token alone cannot mint a lasting credential.');

export const sessionView = z.object({
  id: z.string(),
  startedAt: z.number(),
  lastUsedAt: z.number(),
  expiresAt: z.number(),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  current: z.boolean(),
});

export const numericId = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) }).strict();
export const sessionId = z.object({ id: z.uuid() }).strict();

/** DELETE /api/users/:id: `transferSharesTo` hands the user's shares to another user (else owning one is 409). */
export const deleteUserQuery = z
  .object({ transferSharesTo: z.string().regex(/^[1-9]\d{0,9}$/, 'must be a user id').transform(Number).pipe(z.number().max(2 ** 31 - 1)).optional() })
  .strict();

export const createUserBody = z
  .object({
    username: z.string().min(1).max(64),
    password,
    role: role.optional(),
    quotaBytes: quotaBytes.optional(),
    displayName: displayName.optional(),
    email: email.optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

export const updateUserBody = z
  .object({ role: role.optional(), quotaBytes: quotaBytes.optional(), displayName: displayName.optional(), email: email.optional(), disabled: z.boolean().optional() })
  .strict();

export const resetPasswordBody = z.object({ password }).strict();

const epochMs = z.coerce.number().int().min(0);
const auditFilterShape = {
  actor: z.string().min(1).max(64).optional(),
  action: z.string().min(1).max(64).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  protocol: z.enum(['api', 'webdav', 'tus', 'smb', 'cli', 'system']).optional(),
  from: epochMs.optional(),
  to: epochMs.optional(),
};
/** The filters of GET /api/audit.csv (the same as the list's, without paging). */
export const auditFilter = z.object(auditFilterShape).strict();
export const auditQuery = z
  .object({
    ...auditFilterShape,
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const auditEntry = z.object({
  id: z.number(),
  at: z.number(),
  actorId: z.number().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  address: z.string().nullable(),
  protocol: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const auditPage = z.object({ items: z.array(auditEntry), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
