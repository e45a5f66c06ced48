import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp } from './api/app.js';
import { ApiRouter } from './api/api-router.js';
import { OpenApiRegistry } from './api/openapi.js';
import { healthRoutes } from './api/routes/health.js';
import { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import { openDatabase, type Database } from './db/index.js';
import { AuthError } from './lib/errors.js';
import { createLogger, type Logger } from './lib/log.js';
import { createHttpServer } from './http/server.js';
import { NASD_VERSION } from './version.js';

/** A running (or ready to listen) nasd: everything main.ts built, for the CLI and the tests. */
export interface Nasd {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly audit: AuditLog;
  readonly server: http.Server;
  /** Starts listening on config.host:config.port (port 0 → a free port). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, ends keep-alive sockets, closes the database. Idempotent. */
  close(): Promise<void>;
}

export interface CreateNasdOptions {
  logger?: Logger;
}

/** The composition root: the only place that builds concrete classes and wires them together. */
export async function createNasd(config: Config, options: CreateNasdOptions = {}): Promise<Nasd> {
  const logger = options.logger ?? createLogger(config.logLevel);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const db = await openDatabase(config.databaseUrl, config.dataDir);
  const audit = new AuditLog(db.knex);

  const openapi = new OpenApiRegistry();
  const router = (prefix: string, tag: string) => new ApiRouter(`/api${prefix}`, openapi, tag, config.http.maxJsonBytes);

  const system = router('', 'system');
  healthRoutes(system, { version: NASD_VERSION, dbKind: db.kind, pingDb: async () => void (await db.knex.raw('select 1')) });

  const app = createApiApp({
    logger,
    version: NASD_VERSION,
    trustProxy: config.trustProxy,
    corsOrigins: config.http.corsOrigins,
    openapi,
    routers: [system],
    verifyBearer: async () => {
      throw new AuthError('UNAUTHENTICATED', 'bearer tokens are not accepted yet');
    },
  });
  const server = createHttpServer([], app.callback());

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    audit,
    server,
    listen: () =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await db.close();
      })()),
  };
}
