import { generateSecret, generateURI, verify } from 'otplib';
import { randomSymbols, sha256Hex } from './secrets.js';

export const TOTP_ISSUER = 'nasd';
/** One period either side, for clocks that drift a little. */
const EPOCH_TOLERANCE_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;

/** What a user scans to enrol an authenticator app. */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  /** `data:image/png;base64,…` of the otpauth URI. */
  qrCodeDataUrl: string;
}

export async function newTotpEnrolment(username: string): Promise<TotpEnrolment> {
  const secret = generateSecret();
  const otpauthUri = generateURI({ issuer: TOTP_ISSUER, label: username, secret });
  // qrcode is loaded on the first enrolment only: most processes never draw a QR code.
  const { default: QRCode } = await import('qrcode');
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, otpauthUri, qrCodeDataUrl };
}

/** A TOTP code is exactly six digits; anything else in the `totp` field is taken as a recovery code. */
export function looksLikeTotpCode(value: string): boolean {
  return /^\d{6}$/.test(value.trim());
}

/**
 * Checks a six-digit code; returns its time step when valid and newer than `lastStep` (a code at
 * or before the last accepted step is a replay), otherwise null.
 */
export async function verifyTotpCode(secret: string, code: string, lastStep: number | null, nowMs: number = Date.now()): Promise<number | null> {
  if (!looksLikeTotpCode(code)) return null;
  try {
    const result = await verify({
      secret,
      token: code.trim(),
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: EPOCH_TOLERANCE_SECONDS,
      ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    // otplib throws when afterTimeStep lies in the future (the clock went back): refuse the code.
    return null;
  }
}

/** Ten fresh recovery codes, `xxxx-xxxx-xxxx-xxxx` (80 random bits each), shown to the user once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const s = randomSymbols(16);
    return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12)}`;
  });
}

/** Case, spaces and dashes do not matter when a recovery code is typed back. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** Stored form: sha256 of the normalized code (high-entropy, so a fast hash is enough). */
export function hashRecoveryCode(code: string): string {
  return sha256Hex(`recovery:${normalizeRecoveryCode(code)}`);
}
