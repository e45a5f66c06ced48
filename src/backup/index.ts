import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { isPostgresUrl, knownMigrations } from '../db/index.js';
import { NASD_VERSION } from '../version.js';
import { BackupError, packBackup, unpackBackup } from './archive.js';
import { assertPostgresEmpty, dumpDatabase, restoreDatabase, stateFilesIn, type DatabaseDump } from './database.js';

export { BackupError } from './archive.js';

/** The keys nasd generates into its data directory on first start (see identity). */
const KEY_FILES = ['jwt-secret', 'totp-key'];

/** What a backup holds, stored inside it (encrypted along with the rest). */
interface Manifest {
  format: 1;
  nasdVersion: string;
  createdAt: string;
  database: DatabaseDump['kind'];
  migrations: string[];
  keys: string[];
  /** The config file's name when one was included. */
  config: string | null;
}

export interface BackupOptions {
  /** Where to write the backup (replaced atomically when it exists). */
  file: string;
  /** nasd's env or JSON config file, to include. */
  configFile?: string;
  /** Encrypt with scrypt + AES-256-GCM under this passphrase. */
  passphrase?: string;
}

/** Writes a backup of nasd's own state (not the storage) and returns what to tell the admin; never a secret. */
export async function createBackup(config: Config, options: BackupOptions): Promise<string[]> {
  const notes: string[] = [];
  const dump = await dumpDatabase(config.databaseUrl, config.dataDir);
  const keys = KEY_FILES.filter((k) => fs.existsSync(path.join(config.dataDir, k)));
  const configName = options.configFile ? path.basename(options.configFile) : null;
  const manifest: Manifest = { format: 1, nasdVersion: NASD_VERSION, createdAt: new Date().toISOString(), database: dump.kind, migrations: dump.migrations, keys, config: configName };
  const entries = new Map<string, Buffer>([['manifest.json', Buffer.from(JSON.stringify(manifest))], ['database', dump.data]]);
  for (const k of keys) entries.set(`keys/${k}`, fs.readFileSync(path.join(config.dataDir, k)));
  if (options.configFile) {
    try {
      entries.set('config', fs.readFileSync(options.configFile));
    } catch (err) {
      throw new BackupError('NOT_FOUND', `cannot read the config file ${options.configFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else if (config.auth.jwtSecret || config.auth.totpKey) {
    notes.push('warning: NASD_JWT_SECRET or NASD_TOTP_KEY comes from the environment, not the data directory; it is in this backup only with its config file (--config FILE)');
  }

  const bytes = await packBackup(entries, options.passphrase);
  const target = path.resolve(options.file);
  const partial = `${target}.partial-${process.pid}`;
  let fd: number;
  try {
    fd = fs.openSync(partial, 'wx', 0o600);
  } catch (err) {
    throw new BackupError('NOT_FOUND', `cannot write the backup to ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (does its directory exist and may this user write there?)`);
  }
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, target);
  notes.push(
    `backup written to ${target} (${bytes.length} bytes, ${options.passphrase === undefined ? 'NOT encrypted: keep it as safe as the data directory' : 'encrypted'}): ` +
      `${dump.kind} database at migration ${dump.migrations.length}, keys: ${keys.join(', ') || 'none'}, config: ${configName ?? 'none'}`,
  );
  return notes;
}

export interface RestoreOptions {
  file: string;
  passphrase?: string;
  /** Where to write the backed-up config file (must not exist); default `<dataDir>/<name>.restored`. */
  configOut?: string;
}

/**
 * Restores a backup into an empty data directory and (PostgreSQL) an empty database. Refuses a
 * backup whose schema has migrations this build does not know, and any target holding nasd state,
 * before writing anything. Returns what to tell the admin; never a secret.
 */
export async function restoreBackup(config: Config, options: RestoreOptions): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(options.file);
  } catch (err) {
    throw new BackupError('NOT_FOUND', `cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const entries = await unpackBackup(bytes, options.passphrase);
  const manifest = parseManifest(entries);

  const known = new Set(knownMigrations());
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new BackupError(
      'CONFLICT',
      `this backup comes from a newer nasd (${manifest.nasdVersion}): its database has ${unknown.length} migration(s) this nasd (${NASD_VERSION}) does not know (${unknown.join(', ')}); install that version or newer, then restore`,
    );
  }
  const present = stateFilesIn(config.databaseUrl, config.dataDir);
  if (present.length > 0) {
    throw new BackupError('CONFLICT', `${config.dataDir} already holds nasd state (${present.map((f) => path.basename(f)).join(', ')}): restore only into an empty data directory`);
  }
  if (manifest.database === 'postgres' && isPostgresUrl(config.databaseUrl)) await assertPostgresEmpty(config.databaseUrl);
  if (options.configOut && manifest.config && fs.existsSync(options.configOut)) {
    throw new BackupError('CONFLICT', `${options.configOut} exists: --config-out writes only a new file`);
  }

  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  // Run as root into the service's data directory: the files go to its owner, not to root.
  const dirStat = fs.statSync(config.dataDir);
  const owner = process.getuid?.() === 0 ? { uid: dirStat.uid, gid: dirStat.gid } : undefined;
  await restoreDatabase({ kind: manifest.database, data: entries.get('database')!, migrations: manifest.migrations }, config.databaseUrl, config.dataDir, owner);
  for (const k of manifest.keys) {
    const file = path.join(config.dataDir, k);
    fs.writeFileSync(file, entries.get(`keys/${k}`)!, { mode: 0o600, flag: 'wx' });
    if (owner) fs.chownSync(file, owner.uid, owner.gid);
  }
  const notes = [`restored the ${manifest.database} database of ${manifest.createdAt} (nasd ${manifest.nasdVersion}, migration ${manifest.migrations.length} of ${known.size} here; nasd applies the rest when it starts) into ${config.dataDir}`];
  notes.push(`restored keys: ${manifest.keys.join(', ') || 'none'}`);
  if (config.auth.totpKey || config.auth.jwtSecret) notes.push('note: NASD_JWT_SECRET or NASD_TOTP_KEY is set, and nasd uses it instead of the restored key files');
  if (manifest.config) {
    const out = options.configOut ?? path.join(config.dataDir, `${manifest.config}.restored`);
    fs.writeFileSync(out, entries.get('config')!, { mode: options.configOut ? 0o640 : 0o600, flag: 'wx' });
    notes.push(`config file ${manifest.config} written to ${out}${options.configOut ? '' : ' (move it into place, e.g. /etc/nasd/nasd.env)'}`);
  }
  return notes;
}

function parseManifest(entries: Map<string, Buffer>): Manifest {
  const raw = entries.get('manifest.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(raw?.toString('utf8') ?? '') as Manifest;
  } catch {
    throw new BackupError('VALIDATION', 'the backup file is damaged (no readable manifest)');
  }
  const complete =
    manifest.format === 1 &&
    (manifest.database === 'sqlite' || manifest.database === 'postgres') &&
    Array.isArray(manifest.migrations) &&
    entries.has('database') &&
    Array.isArray(manifest.keys) &&
    manifest.keys.every((k) => KEY_FILES.includes(k) && entries.has(`keys/${k}`)) &&
    (manifest.config === null || entries.has('config'));
  if (!complete) throw new BackupError('VALIDATION', 'the backup file is damaged (its manifest does not match its contents)');
  return manifest;
}
