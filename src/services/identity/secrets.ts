import crypto from 'node:crypto';

/** Lowercase letters without i, l, o and the digits 1-9: 32 unambiguous symbols, 5 bits each, easy to type. */
const SYMBOLS = 'abcdefghjkmnpqrstuvwxyz123456789';

/** `length` random symbols from a 32-symbol alphabet (5 bits each), without modulo bias. */
export function randomSymbols(length: number): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (const b of bytes) out += SYMBOLS[b & 31];
  return out;
}

/** 256 random bits, base64url: opaque bearer secrets (refresh tokens). */
export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A strong random password for generated accounts (first admin, CLI): 20 symbols, 100 bits. */
export function generatePassword(): string {
  const s = randomSymbols(20);
  return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 15)}-${s.slice(15)}`;
}
