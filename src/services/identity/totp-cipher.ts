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

/** A sealed value that cannot be opened: wrong key, tampered value, or sealed for another context. */
export class SecretUnreadableError extends Error {
  constructor(readonly reason: string) {
    super(`a stored secret cannot be decrypted (${reason})`);
    this.name = 'SecretUnreadableError';
  }
}

/**
 * AES-256-GCM for secrets at rest under the key of `loadTotpKey`. Stored form:
 * `v1:<iv>:<tag>:<ciphertext>` (base64 each, fresh 96-bit IV per write). `context` is the
 * additional authenticated data: a value copied onto another row (another context) does not open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the secret key must be ${KEY_BYTES} bytes`);
  }

  seal(plain: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /** The plain value; throws SecretUnreadableError when `stored` is malformed or fails authentication. */
  open(stored: string, context: string): string {
    const parts = stored.startsWith(PREFIX) ? stored.slice(PREFIX.length).split(':') : [];
    if (parts.length !== 3) throw new SecretUnreadableError('malformed value');
    const [iv, tag, ciphertext] = parts.map((p) => Buffer.from(p, 'base64'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) throw new SecretUnreadableError('malformed value');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('authentication failed: wrong key, tampered value or another record\u2019s secret');
    }
  }
}

/**
 * Encrypts TOTP secrets at rest (a SecretBox whose context is the user id, so a value copied onto
 * another user's row does not decrypt). Values without the `v1:` prefix are legacy plain text and
 * are returned as they are (callers re-encrypt them on their next write).
 */
export class TotpSecretCipher {
  private readonly box: SecretBox;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the TOTP key must be ${KEY_BYTES} bytes`);
    this.box = new SecretBox(key);
  }

  /** True when `stored` is plain text from before encryption (to be re-encrypted). */
  static isLegacy(stored: string): boolean {
    return !stored.startsWith(PREFIX);
  }

  encrypt(secret: string, userId: number): string {
    return this.box.seal(secret, aad(userId));
  }

  /** The plain secret; throws TotpSecretUnreadableError when the value is malformed or fails authentication. */
  decrypt(stored: string, userId: number): string {
    if (TotpSecretCipher.isLegacy(stored)) return stored;
    try {
      return this.box.open(stored, aad(userId));
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      throw new TotpSecretUnreadableError(err.reason === 'malformed value' ? err.reason : 'authentication failed: wrong key, tampered value or another user\u2019s secret');
    }
  }
}

function aad(userId: number): string {
  return `nasd:totp-secret:user:${userId}`;
}
