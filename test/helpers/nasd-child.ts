/**
 * A nasd in a child process, for tests that kill it (`node --import tsx test/helpers/nasd-child.ts
 * <dataDir> [databaseUrl] [--stdin-write <username> <path> <expectedSize>]`). It prints
 * `NASD_PORT <port>` once listening. With --stdin-write it also streams its stdin into the VFS
 * as that user: the same VfsService.write path a WebDAV PUT takes (temp file + write reservation).
 * The environment variable NASD_CHILD_CONFIG may hold JSON settings merged over the test defaults;
 * with NASD_CHILD_LOG_REQUESTS=1 it prints `NASD_REQUEST <method> <url>` for every request it
 * receives, so a test can tell which of several processes answered what.
 */
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { createNasd } from '../../src/main.js';
import { ADMIN_PASSWORD } from './server.js';

const args = process.argv.slice(2);
const writeAt = args.indexOf('--stdin-write');
const [dataDir, databaseUrl] = writeAt === -1 ? args : args.slice(0, writeAt);
const extra = JSON.parse(process.env.NASD_CHILD_CONFIG ?? '{}') as ConfigInput;
const config = loadConfig(
  {},
  {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: databaseUrl || undefined,
    logLevel: 'silent',
    adminPassword: ADMIN_PASSWORD,
    ...extra,
    auth: { bcryptCost: 4, ...extra.auth },
    hardware: { mode: 'simulated', ...extra.hardware },
    smb: { mode: 'off', ...extra.smb },
  },
);
const nasd = await createNasd(config);
if (process.env.NASD_CHILD_LOG_REQUESTS === '1') nasd.server.on('request', (req) => process.stdout.write(`NASD_REQUEST ${req.method} ${req.url}\n`));
const address = await nasd.listen();
process.once('SIGTERM', () => void nasd.close().then(() => process.exit(0)));

if (writeAt !== -1) {
  const [username, path, size] = args.slice(writeAt + 1);
  const user = await nasd.db.knex('users').select('id', 'role').where({ username }).first();
  if (!user) throw new Error(`no user ${username}`);
  const actor = { principal: { userId: Number(user.id), username, isAdmin: user.role === 'admin' }, protocol: 'system' as const };
  nasd.vfs.write(actor, path, process.stdin, { expectedSize: Number(size) }).then(
    () => process.stdout.write('WRITE_DONE\n'),
    (err: unknown) => process.stdout.write(`WRITE_FAILED ${(err as Error).message}\n`),
  );
}
process.stdout.write(`NASD_PORT ${address.port}\n`);
