import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl, sqliteFile, type DbKind } from '../db/index.js';
import { runCommand } from '../lib/exec.js';
import { BackupError } from './archive.js';

/** A consistent copy of nasd's database and the migrations its schema has. */
export interface DatabaseDump {
  kind: DbKind;
  /** SQLite: the database file; PostgreSQL: a `pg_dump --format=custom` archive. */
  data: Buffer;
  /** Migration names recorded in `knex_migrations`, without extension, in the order they ran. */
  migrations: string[];
}

/** PostgreSQL's SQLSTATE for a missing table. */
const UNDEFINED_TABLE = '42P01';

const stripExtension = (name: string) => name.replace(/\.(ts|js)$/, '');

/** libpq settings for a URL: the password goes through the environment, never the command line. */
function libpq(databaseUrl: string): { conninfo: string; env: Record<string, string> } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { conninfo: url.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs pg_dump or pg_restore to the end (no time limit: a big database takes long). */
async function runTool(tool: string, args: string[], env: Record<string, string>): Promise<void> {
  let result;
  try {
    result = await runCommand(tool, args, { env, timeoutMs: 0 });
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') throw new BackupError('UNSUPPORTED', `${tool} is not installed; it comes with PostgreSQL's client tools (apt-get install postgresql-client)`);
    throw new BackupError('INTERNAL', `${tool} failed: ${(err as Error).message}`, { expose: true });
  }
  if (result.exitCode !== 0) {
    throw new BackupError('INTERNAL', `${tool} failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, { expose: true });
  }
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nasd-backup-'));
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/**
 * Copies the database while nasd may be running: SQLite through its online backup API (a
 * snapshot, whatever writes go on), PostgreSQL through pg_dump (one transaction snapshot; it
 * restores into any PostgreSQL of the same or a newer major version, which a row export would
 * have to reimplement: sequences, constraints, the scheduler's own tables).
 */
export async function dumpDatabase(databaseUrl: string | undefined, dataDir: string): Promise<DatabaseDump> {
  if (isPostgresUrl(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let migrations: string[];
    try {
      migrations = (await client.query<{ name: string }>('SELECT name FROM knex_migrations ORDER BY id')).rows.map((r) => stripExtension(r.name));
    } catch (err) {
      if ((err as { code?: string }).code === UNDEFINED_TABLE) throw new BackupError('NOT_FOUND', 'the PostgreSQL database NASD_DATABASE_URL names has no nasd tables: nothing to back up (check NASD_DATABASE_URL)');
      throw err;
    } finally {
      await client.end();
    }
    return withTempDir(async (dir) => {
      const { conninfo, env } = libpq(databaseUrl);
      const file = path.join(dir, 'database.pgdump');
      await runTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${conninfo}`], env);
      return { kind: 'postgres', data: fs.readFileSync(file), migrations };
    });
  }
  const file = sqliteFile(databaseUrl, dataDir);
  if (!fs.existsSync(file)) throw new BackupError('NOT_FOUND', `there is no database at ${file} to back up (check NASD_DATA_DIR / NASD_DATABASE_URL)`);
  return withTempDir(async (dir) => {
    const copy = path.join(dir, 'database.sqlite');
    const live = new Sqlite(file, { readonly: true, fileMustExist: true });
    try {
      await live.backup(copy);
    } finally {
      live.close();
    }
    const snapshot = new Sqlite(copy, { readonly: true });
    try {
      const rows = snapshot.prepare('SELECT name FROM knex_migrations ORDER BY id').all() as Array<{ name: string }>;
      return { kind: 'sqlite', data: fs.readFileSync(copy), migrations: rows.map((r) => stripExtension(r.name)) };
    } finally {
      snapshot.close();
    }
  });
}

/** Files a data directory holds once nasd has used it (the database and the generated keys). */
export function stateFilesIn(databaseUrl: string | undefined, dataDir: string): string[] {
  const candidates = ['jwt-secret', 'totp-key', 'initial-admin-password'].map((f) => path.join(dataDir, f));
  if (!isPostgresUrl(databaseUrl)) {
    const db = sqliteFile(databaseUrl, dataDir);
    candidates.push(db, `${db}-wal`, `${db}-shm`);
  }
  return candidates.filter((f) => fs.existsSync(f));
}

/** Refuses a PostgreSQL database that has any table: a restore never merges into existing data. */
export async function assertPostgresEmpty(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
    if (Number(rows[0].n) > 0) throw new BackupError('CONFLICT', `the PostgreSQL database is not empty (${rows[0].n} tables): restore only into a new, empty database`);
  } finally {
    await client.end();
  }
}

/** Writes the dump into the (checked empty) target database; `owner` gets a SQLite file. */
export async function restoreDatabase(dump: DatabaseDump, databaseUrl: string | undefined, dataDir: string, owner?: { uid: number; gid: number }): Promise<void> {
  if (dump.kind === 'postgres') {
    if (!isPostgresUrl(databaseUrl)) throw new BackupError('VALIDATION', 'this backup holds a PostgreSQL database: set NASD_DATABASE_URL to a new, empty PostgreSQL database');
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'database.pgdump');
      fs.writeFileSync(file, dump.data, { mode: 0o600 });
      const { conninfo, env } = libpq(databaseUrl);
      await runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${conninfo}`, file], env);
    });
    return;
  }
  if (isPostgresUrl(databaseUrl)) throw new BackupError('VALIDATION', 'this backup holds a SQLite database, but NASD_DATABASE_URL names PostgreSQL: restore it with no NASD_DATABASE_URL (or a sqlite:// one)');
  const file = sqliteFile(databaseUrl, dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.restoring`;
  fs.writeFileSync(partial, dump.data, { mode: 0o600, flag: 'wx' });
  if (owner) fs.chownSync(partial, owner.uid, owner.gid);
  fs.renameSync(partial, file);
}
