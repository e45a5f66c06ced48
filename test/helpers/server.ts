import type { Config, ConfigInput } from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createNasd, type Nasd } from '../../src/main.js';
import { createPgDatabase, type TestDbKind } from './db.js';
import { makeTmpDir } from './tmp.js';

export const ADMIN_PASSWORD = 'admin-test-password-1';

export interface TestServer {
  nasd: Nasd;
  /** http://127.0.0.1:PORT (no trailing slash). */
  baseUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The test defaults (loopback, port 0, silent, simulated hardware, SMB off, bcrypt cost 4) with `overrides` on top. */
export function testConfig(dataDir: string, databaseUrl: string | undefined, overrides: ConfigInput = {}): Config {
  return loadConfig(
    {},
    {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      databaseUrl,
      logLevel: 'silent',
      adminPassword: ADMIN_PASSWORD,
      ...overrides,
      auth: { bcryptCost: 4, ...overrides.auth },
      hardware: { mode: 'simulated', ...overrides.hardware },
      smb: { mode: 'off', ...overrides.smb },
    },
  );
}

/**
 * Starts a real nasd on a random loopback port with a temp data dir and a fresh database of
 * the given kind. bcrypt runs at cost 4 here so suites stay fast; production defaults to 12.
 */
export async function startTestServer(ctx: Mocha.Context, kind: TestDbKind, overrides: ConfigInput = {}): Promise<TestServer> {
  const tmp = makeTmpDir();
  const pgDb = kind === 'postgres' ? await createPgDatabase(ctx) : undefined;
  const nasd = await createNasd(testConfig(tmp.dir, pgDb?.url, overrides));
  const address = await nasd.listen();
  return {
    nasd,
    baseUrl: `http://127.0.0.1:${address.port}`,
    dataDir: tmp.dir,
    close: async () => {
      await nasd.close();
      await pgDb?.drop();
      tmp.remove();
    },
  };
}

/** fetch + JSON: returns status, headers and the parsed body (or text when not JSON). */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}
