import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';

export type DbKind = 'sqlite' | 'postgres';

/** An open database: the knex instance and which engine is behind it. */
export interface Database {
  readonly knex: Knex;
  readonly kind: DbKind;
  /** One round trip that reads a table (SQLite answers `select 1` without touching the file). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** migrations/ sits at the repository root; from dist/src/db it is dist/migrations. */
const migrationsDir = path.resolve(here, '../../migrations');
const runningFromSource = import.meta.url.endsWith('.ts');
const PG_CONNECT_TIMEOUT_MS = 10_000;
/** pg_advisory_lock key under which nasd processes run their migrations one at a time ("nasd" in ASCII). */
const PG_MIGRATION_LOCK = 0x6e617364;

/**
 * PostgreSQL returns int8 (bigint) and numeric as strings; nasd stores byte counts and epoch-ms
 * times in int8, so parse them as numbers (safe below 2^53) to match SQLite.
 */
async function pgTypes() {
  // Loaded only for PostgreSQL: a SQLite install does not pay for the driver's memory.
  const { default: pg } = await import('pg');
  return {
    getTypeParser(oid: number, format?: string) {
      if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
}

/** Whether the database URL names PostgreSQL (otherwise nasd uses SQLite). */
export function isPostgresUrl(databaseUrl: string | undefined): databaseUrl is string {
  return databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);
}

/** The SQLite database file for a non-PostgreSQL URL: the URL's path, else `<dataDir>/nasd.sqlite`. */
export function sqliteFile(databaseUrl: string | undefined, dataDir: string): string {
  return path.resolve(databaseUrl ? databaseUrl.replace(/^sqlite:\/\//, '') : path.join(dataDir, 'nasd.sqlite'));
}

/** The migrations this build knows, by name without extension (knex records `.ts` from source, `.js` from dist). */
export function knownMigrations(): string[] {
  const ext = runningFromSource ? '.ts' : '.js';
  return fs
    .readdirSync(migrationsDir)
    .filter((f) => f.endsWith(ext))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

async function knexConfig(databaseUrl: string | undefined, dataDir: string): Promise<{ kind: DbKind; config: Knex.Config }> {
  const migrations = { directory: migrationsDir, loadExtensions: [runningFromSource ? '.ts' : '.js'] };
  if (isPostgresUrl(databaseUrl)) {
    const types = await pgTypes();
    return {
      kind: 'postgres',
      // A server that accepts but never answers must not hold a pool slot for good (pg waits forever by default).
      config: { client: 'pg', connection: { connectionString: databaseUrl, types, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS }, pool: { min: 0, max: 10 }, migrations },
    };
  }
  const filename = sqliteFile(databaseUrl, dataDir);
  fs.mkdirSync(path.dirname(filename), { recursive: true });
  return {
    kind: 'sqlite',
    config: {
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      // better-sqlite3 is synchronous: one connection serialises writers without SQLITE_BUSY storms.
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        },
      },
      migrations,
    },
  };
}

/**
 * Runs pending migrations. knex's own lock is a row in a table it creates first, so processes
 * starting together on a new PostgreSQL database collide creating that table: they take a
 * session advisory lock first and migrate one after the other (the second finds nothing to do).
 */
async function migrateLatest(knex: Knex, kind: DbKind): Promise<void> {
  if (kind !== 'postgres') {
    await knex.migrate.latest();
    return;
  }
  const conn: unknown = await knex.client.acquireConnection();
  try {
    await knex.raw('select pg_advisory_lock(?)', [PG_MIGRATION_LOCK]).connection(conn);
    try {
      await knex.migrate.latest();
    } finally {
      await knex.raw('select pg_advisory_unlock(?)', [PG_MIGRATION_LOCK]).connection(conn);
    }
  } finally {
    await knex.client.releaseConnection(conn);
  }
}

/** Opens the database named by the URL (SQLite in `dataDir` when absent) and runs pending migrations. */
export async function openDatabase(databaseUrl: string | undefined, dataDir: string): Promise<Database> {
  const { kind, config } = await knexConfig(databaseUrl, dataDir);
  const knex = knexFactory(config);
  try {
    await migrateLatest(knex, kind);
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  return {
    knex,
    kind,
    ping: async () => {
      try {
        await knex('knex_migrations_lock').select('is_locked').limit(1);
      } catch (err) {
        // knex puts the statement in front of the driver's message; the driver's part is the news.
        throw new Error((err as Error).message.replace(/^select .*? - /, ''), { cause: err });
      }
    },
    close: () => knex.destroy(),
  };
}
