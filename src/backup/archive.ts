import crypto from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { AppError } from '../lib/errors.js';

/** A backup that cannot be written or read as asked: wrong passphrase, damaged file, refused target. */
export class BackupError extends AppError {}

/**
 * File layout: the magic line, one JSON header line (format and, when encrypted, the scrypt and
 * AES-256-GCM parameters; nothing secret), then the body: gzip of the entries, each
 * `u32 name length, name, u64 data length, data` (big-endian). Encrypted, the body is the
 * ciphertext followed by the 16-byte GCM tag, and magic + header are the additional
 * authenticated data, so a changed header fails like a changed body.
 */
const MAGIC = 'NASDBAK1\n';
const TAG_BYTES = 16;
/** scrypt cost: 32 MiB and about 0.1 s per try, so guessing a passphrase stays expensive. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

interface Header {
  format: 1;
  encryption: null | { cipher: 'aes-256-gcm'; kdf: 'scrypt'; N: number; r: number; p: number; salt: string; iv: string };
}

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;
const deriveKey = (passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }) =>
  scrypt(passphrase, salt, 32, { ...params, maxmem: 256 * params.N * params.r });

function encodeEntries(entries: Map<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const head = Buffer.alloc(12);
    head.writeUInt32BE(nameBytes.length, 0);
    head.writeBigUInt64BE(BigInt(data.length), 4);
    parts.push(head.subarray(0, 4), nameBytes, head.subarray(4), data);
  }
  return Buffer.concat(parts);
}

function decodeEntries(body: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  let at = 0;
  const damaged = () => new BackupError('VALIDATION', 'the backup file is damaged (an entry runs past its end)');
  while (at < body.length) {
    if (at + 4 > body.length) throw damaged();
    const nameLength = body.readUInt32BE(at);
    at += 4;
    if (at + nameLength + 8 > body.length) throw damaged();
    const name = body.subarray(at, at + nameLength).toString('utf8');
    at += nameLength;
    const dataLength = Number(body.readBigUInt64BE(at));
    at += 8;
    if (at + dataLength > body.length) throw damaged();
    entries.set(name, body.subarray(at, at + dataLength));
    at += dataLength;
  }
  return entries;
}

/** Packs named entries into a backup file's bytes, encrypted under `passphrase` when given. */
export async function packBackup(entries: Map<string, Buffer>, passphrase?: string): Promise<Buffer> {
  const plain = await promisify(zlib.gzip)(encodeEntries(entries));
  if (passphrase === undefined) {
    const header: Header = { format: 1, encryption: null };
    return Buffer.concat([Buffer.from(MAGIC + JSON.stringify(header) + '\n'), plain]);
  }
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const header: Header = { format: 1, encryption: { cipher: 'aes-256-gcm', kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), iv: iv.toString('base64') } };
  const prefix = Buffer.from(MAGIC + JSON.stringify(header) + '\n');
  const cipher = crypto.createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, SCRYPT), iv);
  cipher.setAAD(prefix);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([prefix, body, cipher.getAuthTag()]);
}

/** Whether a backup file's bytes are encrypted (throws when they are not a nasd backup). */
export function isEncrypted(file: Buffer): boolean {
  return readHeader(file).header.encryption !== null;
}

function readHeader(file: Buffer): { header: Header; prefixLength: number } {
  if (!file.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new BackupError('VALIDATION', 'not a nasd backup file (it does not start with NASDBAK1)');
  const end = file.indexOf(0x0a, MAGIC.length);
  if (end === -1) throw new BackupError('VALIDATION', 'the backup file is damaged (no header line)');
  let header: Header;
  try {
    header = JSON.parse(file.subarray(MAGIC.length, end).toString('utf8')) as Header;
  } catch {
    throw new BackupError('VALIDATION', 'the backup file is damaged (its header is not JSON)');
  }
  if (header?.format !== 1) throw new BackupError('VALIDATION', `unsupported backup format ${String(header?.format)} (this nasd reads format 1)`);
  return { header, prefixLength: end + 1 };
}

/** Unpacks a backup file's bytes into its entries; a wrong passphrase or any changed byte is refused. */
export async function unpackBackup(file: Buffer, passphrase?: string): Promise<Map<string, Buffer>> {
  const { header, prefixLength } = readHeader(file);
  let plain = file.subarray(prefixLength);
  const enc = header.encryption;
  if (enc) {
    if (passphrase === undefined) throw new BackupError('VALIDATION', 'this backup is encrypted: give its passphrase with --passphrase-file or NASD_BACKUP_PASSPHRASE');
    // The cost comes from the file: capped, so a crafted header cannot ask for gigabytes.
    if (enc.cipher !== 'aes-256-gcm' || enc.kdf !== 'scrypt' || !(enc.N <= 1 << 20 && enc.r <= 16 && enc.p <= 4) || plain.length < TAG_BYTES) throw new BackupError('VALIDATION', 'the backup file is damaged (unknown encryption parameters)');
    const decipher = crypto.createDecipheriv('aes-256-gcm', await deriveKey(passphrase, Buffer.from(enc.salt, 'base64'), enc), Buffer.from(enc.iv, 'base64'));
    decipher.setAAD(file.subarray(0, prefixLength));
    decipher.setAuthTag(plain.subarray(plain.length - TAG_BYTES));
    try {
      plain = Buffer.concat([decipher.update(plain.subarray(0, plain.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new BackupError('VALIDATION', 'wrong passphrase, or the backup file was changed (decryption failed)');
    }
  }
  try {
    return decodeEntries(await promisify(zlib.gunzip)(plain));
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError('VALIDATION', `the backup file is damaged (${(err as Error).message})`);
  }
}
