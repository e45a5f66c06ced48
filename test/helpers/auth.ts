import crypto from 'node:crypto';
import { ADMIN_PASSWORD, api, type TestServer } from './server.js';

/** A user as the API returns it. */
export interface ApiUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
  quotaBytes: number | null;
  disabled: boolean;
  totpEnabled: boolean;
  [key: string]: unknown;
}

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: ApiUser;
}

/** POST /api/auth/login; throws with the server's error when it does not answer 200. */
export async function login(baseUrl: string, username: string, password: string, totp?: string): Promise<LoginResult> {
  const res = await api(baseUrl, 'POST', '/api/auth/login', { body: { username, password, ...(totp ? { totp } : {}) } });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as LoginResult;
}

/** Logs in as the first administrator (`admin` / ADMIN_PASSWORD) of a test server. */
export function loginAdmin(srv: Pick<TestServer, 'baseUrl'>): Promise<LoginResult> {
  return login(srv.baseUrl, 'admin', ADMIN_PASSWORD);
}

export interface CreatedUser {
  id: number;
  username: string;
  password: string;
  /** An access token of the new user. */
  token: string;
  refreshToken: string;
}

/**
 * Creates a user through POST /api/users (as the admin whose token is given) and logs in as them.
 * The password is random unless given; role defaults to `user`, quota to unlimited.
 */
export async function createUser(
  srv: Pick<TestServer, 'baseUrl'>,
  adminToken: string,
  options: { username: string; password?: string; role?: 'admin' | 'user'; quotaBytes?: number | null },
): Promise<CreatedUser> {
  const password = options.password ?? `pw-${crypto.randomBytes(9).toString('base64url')}`;
  const res = await api(srv.baseUrl, 'POST', '/api/users', {
    token: adminToken,
    body: { username: options.username, password, ...(options.role ? { role: options.role } : {}), ...(options.quotaBytes !== undefined ? { quotaBytes: options.quotaBytes } : {}) },
  });
  if (res.status !== 201) throw new Error(`creating user ${options.username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const session = await login(srv.baseUrl, options.username, password);
  return { id: res.body.id, username: options.username, password, token: session.accessToken, refreshToken: session.refreshToken };
}
