import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../../src/db/index.js';
import { AuthError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/log.js';
import { KnexDavLockStore, type Principal } from '../../src/vfs/index.js';
import { createWebdavHandler } from '../../protocols/webdav/index.js';
import { MemoryVfs, type MemoryVfsOptions } from './memory-vfs.js';
import { makeTmpDir } from './tmp.js';

export interface MemoryDavUser {
  id: number;
  username: string;
  password: string;
  isAdmin?: boolean;
}

export interface MemoryDavServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  baseUrl: string;
  vfs: MemoryVfs;
  db: Database;
  close(): Promise<void>;
}

/**
 * The WebDAV handler alone over a MemoryVfs, with locks in a real SQLite database (or the
 * PostgreSQL URL given) and fixed users: fast handler tests that need neither VfsService nor identity.
 */
export async function startMemoryDavServer(
  users: MemoryDavUser[],
  vfsOptions: MemoryVfsOptions = {},
  databaseUrl?: string,
): Promise<MemoryDavServer> {
  const tmp = makeTmpDir('nasd-dav-');
  const db = await openDatabase(databaseUrl, tmp.dir);
  const vfs = new MemoryVfs(vfsOptions);
  const handler = createWebdavHandler({
    vfs,
    locks: new KnexDavLockStore(db.knex),
    logger: createLogger('silent'),
    verify: async (username, password): Promise<Principal> => {
      const u = users.find((x) => x.username === username && x.password === password);
      if (!u) throw new AuthError('UNAUTHENTICATED', 'bad credentials');
      return { userId: u.id, username: u.username, isAdmin: u.isAdmin ?? false };
    },
  });
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/dav')) void handler(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    vfs,
    db,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.close();
      tmp.remove();
    },
  };
}
