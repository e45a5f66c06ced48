import crypto from 'node:crypto';
import pg from 'pg';

export type TestDbKind = 'sqlite' | 'postgres';
export const DB_KINDS: TestDbKind[] = ['sqlite', 'postgres'];

/** The server's maintenance database; each test suite gets its own database created from here. */
const ADMIN_URL = process.env.NASD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<string | null> | undefined;

/** null when PostgreSQL answers; otherwise why it does not. */
function postgresProblem(): Promise<string | null> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * Creates an empty PostgreSQL database for one suite and returns its URL and a drop function.
 * Off CI a missing server skips the suite with a printed reason; under CI=true it fails.
 */
export async function createPgDatabase(ctx: Mocha.Context): Promise<{ url: string; drop: () => Promise<void> }> {
  const problem = await postgresProblem();
  if (problem) {
    if (process.env.CI) throw new Error(`PostgreSQL is required under CI but unreachable at ${ADMIN_URL}: ${problem}`);
    console.log(`      (skipped: PostgreSQL unreachable at ${ADMIN_URL}: ${problem})`);
    ctx.skip();
  }
  const name = `nasd_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs the same suite once on SQLite and once on PostgreSQL. */
export function describeEachDb(title: string, body: (kind: TestDbKind) => void): void {
  for (const kind of DB_KINDS) describe(`${title} [${kind}]`, () => body(kind));
}
