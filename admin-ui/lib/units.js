// Byte sizes as an administrator types them (a number and a unit), and generated passwords.

export const UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** Bytes → the largest unit that shows it as a whole-ish number: { amount: '1.5', unit: 'GiB' }; null → empty. */
export function splitBytes(bytes) {
  if (bytes === null || bytes === undefined) return { amount: '', unit: 'GiB' };
  const unit = bytes >= UNITS.TiB ? 'TiB' : bytes >= UNITS.GiB ? 'GiB' : 'MiB';
  return { amount: String(Math.round((bytes / UNITS[unit]) * 100) / 100), unit };
}

/** { amount, unit } → bytes (null when the amount is empty); throws a message the form shows. */
export function joinBytes({ amount, unit }) {
  if (String(amount).trim() === '') return null;
  const n = Number(amount);
  if (!Number.isFinite(n) || n < 0) throw new Error('The quota must be a number of at least 0, or empty for no quota.');
  return Math.round(n * UNITS[unit]);
}

/** A random password of 20 characters from an unambiguous alphabet (about 115 bits). */
export function generatePassword() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
