import crypto from 'node:crypto';
import type { Nasd } from '../../src/main.js';
import { login } from './auth.js';

/** A user created through the identity service of a running nasd, logged in over HTTP. */
export interface StorageTestUser {
  id: number;
  username: string;
  password: string;
  token: string;
}

/** Creates a user (quota in bytes, null = unlimited) with the identity service and logs in via the API. */
export async function addLoggedInUser(nasd: Nasd, baseUrl: string, username: string, quotaBytes: number | null = null): Promise<StorageTestUser> {
  const password = `pw-${crypto.randomBytes(9).toString('base64url')}`;
  const user = await nasd.identity.users.create({ username, password, quotaBytes }, { principal: null, protocol: 'api' });
  const session = await login(baseUrl, username, password);
  return { id: user.id, username, password, token: session.accessToken };
}
