import fs from 'node:fs';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import { AuditLog } from '../../src/audit/index.js';
import { VfsError } from '../../src/lib/errors.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createVfs, type StorageBackendKind, type VfsService } from '../../src/vfs/index.js';
import { createPgDatabase, type TestDbKind } from './db.js';
import { makeTmpDir } from './tmp.js';

/** A VfsService over a real database of the given kind and a temp storage root (no HTTP). */
export interface VfsFixture {
  vfs: VfsService;
  db: Database;
  /** The real (resolved) storage root. */
  storageRoot: string;
  /** Inserts a user row directly (the identity service is not needed to test storage). */
  addUser(username: string, options?: { admin?: boolean; quotaBytes?: number | null }): Promise<RequestActor<Principal>>;
  /** Inserts a share row and its folder; `acl` maps user ids to access. */
  addShare(name: string, ownerId: number, options?: { sizeLimitBytes?: number | null; acl?: Record<number, 'none' | 'read' | 'write' | 'full'> }): Promise<number>;
  close(): Promise<void>;
}

/** Every StorageBackend a VFS can run on (`NASD_STORAGE_BACKEND`). */
export const STORAGE_BACKENDS: readonly StorageBackendKind[] = ['fast', 'reference'];

/** A VFS on `kind` of database over the given storage backend (default: the fast one). */
export async function createVfsFixture(ctx: Mocha.Context, kind: TestDbKind, backend: StorageBackendKind = 'fast'): Promise<VfsFixture> {
  const tmp = makeTmpDir('nasd-vfs-');
  const pgDb = kind === 'postgres' ? await createPgDatabase(ctx) : undefined;
  const db = await openDatabase(pgDb?.url, tmp.dir);
  const { vfs } = await createVfs({ knex: db.knex, audit: new AuditLog(db.knex), storageRoot: `${tmp.dir}/storage`, backend });
  await vfs.start();
  const storageRoot = fs.realpathSync(`${tmp.dir}/storage`);
  const now = Date.now();
  return {
    vfs,
    db,
    storageRoot,
    async addUser(username, options = {}) {
      const [row] = await db
        .knex('users')
        .insert({
          username,
          password_hash: 'x',
          role: options.admin ? 'admin' : 'user',
          quota_bytes: options.quotaBytes ?? null,
          password_changed_at: now,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const id = Number(typeof row === 'object' ? row.id : row);
      return { principal: { userId: id, username, isAdmin: options.admin ?? false }, protocol: 'api' };
    },
    async addShare(name, ownerId, options = {}) {
      const [row] = await db
        .knex('shares')
        .insert({ name, owner_id: ownerId, size_limit_bytes: options.sizeLimitBytes ?? null, created_at: now, updated_at: now })
        .returning('id');
      const id = Number(typeof row === 'object' ? row.id : row);
      for (const [userId, access] of Object.entries(options.acl ?? {})) {
        await db.knex('share_acl').insert({ share_id: id, user_id: Number(userId), access });
      }
      fs.mkdirSync(`${storageRoot}/shares/${name}`);
      return id;
    },
    async close() {
      await vfs.close();
      await db.close();
      await pgDb?.drop();
      tmp.remove();
    },
  };
}

/** A request-body-like stream of the given bytes. */
export const bodyOf = (b: Buffer | string): Readable => Readable.from([Buffer.from(b)]);

/** Awaits a VFS call that must fail with a VfsError and returns its code. */
export async function vfsErrorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(VfsError);
    return (err as VfsError).code;
  }
  throw new Error('expected a VfsError');
}
