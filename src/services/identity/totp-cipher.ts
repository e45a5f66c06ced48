import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1:';
export const TOTP_KEY_FILE = 'totp-key';

/** A stored TOTP secret that cannot be decrypted: wrong key, tampered value, or moved to another user. */
export class TotpSecretUnreadableError extends Error {
  constructor(reason: string) {
    super(`the stored TOTP secret cannot be decrypted (${reason}); check auth.totpKey / <dataDir>/${TOTP_KEY_FILE}`);
    this.name = 'TotpSecretUnreadableError';
  }
}

/** Decodes a base64 key and checks it is exactly 32 bytes; throws with a message naming `source`. */
export function decodeTotpKey(encoded: string, source: string): Buffer {
  const trimmed = encoded.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== KEY_BYTES) {
    throw new Error(`${source} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/**
 * The AES-256 key for TOTP secrets: `configured` (base64) when given — set the same on every
 * process sharing a database — else `<dataDir>/totp-key`, 32 random bytes created on first start
 * with mode 0600 (exclusive create, so concurrent first starts agree on one key). The key lives
 * outside the database so a leaked dump alone does not reveal anyone's second factor.
 */
export function loadTotpKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return decodeTotpKey(configured, 'auth.totpKey');
  const file = path.join(dataDir, TOTP_KEY_FILE);
  try {
    fs.writeFileSync(file, crypto.randomBytes(KEY_BYTES).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decodeTotpKey(fs.readFileSync(file, 'utf8'), `${file} (delete it only if no 2FA is enrolled)`);
}

/**
 * Encrypts TOTP secrets at rest with AES-256-GCM. Stored form: `v1:<iv>:<tag>:<ciphertext>`
 * (base64 each, fresh 96-bit IV per write). The user id is the additional authenticated data, so a
 * value copied onto another user's row does not decrypt. Values without the `v1:` prefix are
 * legacy plain text and are returned as they are (callers re-encrypt them on their next write).
 */
export class TotpSecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the TOTP key must be ${KEY_BYTES} bytes`);
  }

  /** True when `stored` is plain text from before encryption (to be re-encrypted). */
  static isLegacy(stored: string): boolean {
    return !stored.startsWith(PREFIX);
  }

  encrypt(secret: string, userId: number): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(userId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /** The plain secret; throws TotpSecretUnreadableError when the value is malformed or fails authentication. */
  decrypt(stored: string, userId: number): string {
    if (TotpSecretCipher.isLegacy(stored)) return stored;
    const parts = stored.slice(PREFIX.length).split(':');
    if (parts.length !== 3) throw new TotpSecretUnreadableError('malformed value');
    const [iv, tag, ciphertext] = parts.map((p) => Buffer.from(p, 'base64'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) throw new TotpSecretUnreadableError('malformed value');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(userId));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TotpSecretUnreadableError('authentication failed: wrong key, tampered value or another user\u2019s secret');
    }
  }
}

function aad(userId: number): Buffer {
  return Buffer.from(`nasd:totp-secret:user:${userId}`, 'utf8');
}
