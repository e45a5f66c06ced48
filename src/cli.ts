#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --no-memory-reducer --heap-growing-percent=50 --max-semi-space-size=4
import { Command } from 'commander';
import { loadConfig } from './config/index.js';
import { openDatabase } from './db/index.js';
import { AppError, ConfigError } from './lib/errors.js';
import { createLogger } from './lib/log.js';
import { registerBackupCommands } from './cli/backup.js';
import { registerUserCommands } from './cli/users.js';
import { startNasd } from './main.js';
import { NASD_VERSION } from './version.js';

const program = new Command('nasd').version(NASD_VERSION).description('nasd, the self-hosted NAS file server');

program
  .command('serve')
  .description('run the server (WebDAV, tus, admin API and UI)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const nasd = await startNasd(config, {
      logger,
      onListening: (early) => logger.info({ host: early.address, port: early.port }, 'listening; not ready until the database is migrated and the services started'),
    });
    const address = await nasd.listen();
    const shown = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
    nasd.logger.info({ host: address.address, port: address.port }, 'ready');
    process.stderr.write(`nasd ${NASD_VERSION} listening on http://${shown}:${address.port}/ (database: ${nasd.db.kind})\n`);
    if (nasd.firstRun) {
      process.stderr.write(
        `First run: log in at http://${shown}:${address.port}/ as "${nasd.firstRun.username}" with the password in ${nasd.firstRun.passwordFile}\n` +
          '(this notice is shown once; change the password after logging in and delete the file)\n',
      );
    }
    // A second signal during the grace period ends the process at once (the handlers run once).
    const stop = (signal: string) => {
      nasd.logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
      void nasd.close({ graceMs: config.shutdownGraceSeconds * 1000 }).then(
        () => process.exit(0),
        (err: unknown) => {
          nasd.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase(config.databaseUrl, config.dataDir);
    const [, pending] = (await db.knex.migrate.list()) as [unknown[], unknown[]];
    await db.close();
    process.stdout.write(`database (${db.kind}) is up to date; ${pending.length} migrations pending\n`);
  });

registerUserCommands(program);
registerBackupCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`nasd: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof AppError && err.expose) {
    process.stderr.write(`nasd: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`nasd: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
