import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { AuthError } from '../../lib/errors.js';

const ISSUER = 'nasd';
const AUDIENCE = 'nasd-api';

/** What an access token asserts: the user and the refresh family (session) it was issued for. */
export interface AccessClaims {
  userId: number;
  sessionId: string;
}

/**
 * The HS256 signing key: `configured` when given, else `<dataDir>/jwt-secret`, created on first
 * start with mode 0600 (exclusive create, so concurrent first starts agree on one key).
 */
export function loadJwtKey(configured: string | undefined, dataDir: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const file = path.join(dataDir, 'jwt-secret');
  try {
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it to generate a new key`);
  return new TextEncoder().encode(secret);
}

/** Signs and verifies short-lived JWT access tokens (HS256 only; `alg: none` and others are refused). */
export class AccessTokens {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  async sign(claims: AccessClaims): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(claims.userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .setJti(crypto.randomUUID())
      .sign(this.key);
  }

  /** Throws AuthError(UNAUTHENTICATED) for any token that is malformed, forged, tampered or expired. */
  async verify(token: string): Promise<AccessClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new AuthError('UNAUTHENTICATED', expired ? 'the access token has expired' : 'the access token is not valid', { cause: err });
    }
    const userId = Number(payload.sub);
    const sessionId = payload.sid;
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof sessionId !== 'string') {
      throw new AuthError('UNAUTHENTICATED', 'the access token is not valid');
    }
    return { userId, sessionId };
  }
}
