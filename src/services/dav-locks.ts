import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';

/** An active WebDAV write lock (RFC 4918 §6). */
export interface DavLock {
  /** `urn:uuid:…` */
  token: string;
  /** Storage key of the locked resource (see Vfs.storageKey). */
  key: string;
  /** Virtual path of the lock root as the creator saw it. */
  rootPath: string;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  /** Inner XML of the client's DAV:owner element ('' when none). */
  ownerXml: string;
  principalId: number;
  timeoutSeconds: number;
  expiresAtMs: number;
}

export type NewDavLock = Omit<DavLock, 'token' | 'expiresAtMs'>;

/** Which locks `affecting` returns besides those on the key itself and depth-infinity locks above it. */
export interface AffectingOptions {
  /** Also locks on any resource below the key (a write that replaces or removes a whole tree). */
  members?: boolean;
  /** Also any lock directly on the parent (a write that adds or removes a member of it). */
  parent?: boolean;
}

/**
 * Where WebDAV locks live: in the database, so they survive restarts and hold across several
 * nasd processes. Keys are storage keys, `/`-separated, where a member's key is its
 * collection's key + `/` + its name. Expired locks are never returned and are purged lazily.
 */
export interface DavLockStore {
  /** Creates a lock, or throws VfsError LOCKED (details.hrefs = conflicting lock roots) on a conflict. */
  create(lock: NewDavLock): Promise<DavLock>;
  /** Restarts a lock's timeout; null when the token is unknown or expired. */
  refresh(token: string, timeoutSeconds: number): Promise<DavLock | null>;
  /** Removes a lock; false when it did not exist. */
  remove(token: string): Promise<boolean>;
  /** Active locks that apply to `key` (see AffectingOptions), in one query. */
  affecting(key: string, options?: AffectingOptions): Promise<DavLock[]>;
  /** Removes the locks on `key` and everything below it (after DELETE or MOVE). */
  removeWithin(key: string): Promise<void>;
}

interface LockRow {
  token: string;
  lock_key: string;
  root_path: string;
  depth: string;
  scope: string;
  owner_xml: string;
  principal_id: number;
  timeout_seconds: number;
  expires_at: number;
  created_at: number;
}

const TABLE = 'webdav_locks';
/** Advisory lock id serialising lock creation across PostgreSQL connections and processes. */
const PG_ADVISORY_ID = 0x6e617364;

/** Strict ancestors of a storage key, nearest last (`/a/b/c` → `/`, `/a`, `/a/b`). */
export function ancestorKeys(key: string): string[] {
  const out: string[] = [];
  if (key.startsWith('/') && key.length > 1) out.push('/');
  for (let p = key.indexOf('/', 1); p > 0; p = key.indexOf('/', p + 1)) out.push(key.slice(0, p));
  return out;
}

function parentKey(key: string): string | undefined {
  const a = ancestorKeys(key);
  return a[a.length - 1];
}

function memberPrefix(key: string): string {
  return key.endsWith('/') ? key : `${key}/`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toLock(r: LockRow): DavLock {
  return {
    token: r.token,
    key: r.lock_key,
    rootPath: r.root_path,
    depth: r.depth === '0' ? '0' : 'infinity',
    scope: r.scope === 'shared' ? 'shared' : 'exclusive',
    ownerXml: r.owner_xml,
    principalId: Number(r.principal_id),
    timeoutSeconds: Number(r.timeout_seconds),
    expiresAtMs: Number(r.expires_at),
  };
}

/** DavLockStore on knex (SQLite or PostgreSQL). */
export class KnexDavLockStore implements DavLockStore {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  async create(lock: NewDavLock): Promise<DavLock> {
    return this.knex.transaction(async (trx) => {
      if (trx.client.config.client === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [PG_ADVISORY_ID]);
      const now = this.now();
      await trx(TABLE).where('expires_at', '<=', now).delete();
      const existing = await this.query(trx, lock.key, { members: lock.depth === 'infinity' }, now);
      const conflicting = existing.filter((l) => lock.scope === 'exclusive' || l.scope === 'exclusive');
      if (conflicting.length > 0) {
        throw new VfsError('LOCKED', 'the resource is locked', { details: { hrefs: conflicting.map((l) => l.rootPath) } });
      }
      const row: LockRow = {
        token: `urn:uuid:${crypto.randomUUID()}`,
        lock_key: lock.key,
        root_path: lock.rootPath,
        depth: lock.depth,
        scope: lock.scope,
        owner_xml: lock.ownerXml,
        principal_id: lock.principalId,
        timeout_seconds: lock.timeoutSeconds,
        expires_at: now + lock.timeoutSeconds * 1000,
        created_at: now,
      };
      await trx(TABLE).insert(row);
      return toLock(row);
    });
  }

  async refresh(token: string, timeoutSeconds: number): Promise<DavLock | null> {
    const now = this.now();
    const n = await this.knex(TABLE)
      .where({ token })
      .andWhere('expires_at', '>', now)
      .update({ timeout_seconds: timeoutSeconds, expires_at: now + timeoutSeconds * 1000 });
    if (!n) return null;
    const row = await this.knex<LockRow>(TABLE).where({ token }).first();
    return row ? toLock(row) : null;
  }

  async remove(token: string): Promise<boolean> {
    return (await this.knex(TABLE).where({ token }).delete()) > 0;
  }

  affecting(key: string, options: AffectingOptions = {}): Promise<DavLock[]> {
    return this.query(this.knex, key, options, this.now());
  }

  async removeWithin(key: string): Promise<void> {
    const locks = await this.query(this.knex, key, { members: true }, this.now());
    const prefix = memberPrefix(key);
    const tokens = locks.filter((l) => l.key === key || l.key.startsWith(prefix)).map((l) => l.token);
    if (tokens.length > 0) await this.knex(TABLE).whereIn('token', tokens).delete();
  }

  private async query(db: Knex | Knex.Transaction, key: string, options: AffectingOptions, now: number): Promise<DavLock[]> {
    const ancestors = ancestorKeys(key);
    const parent = options.parent ? parentKey(key) : undefined;
    const prefix = memberPrefix(key);
    const rows: LockRow[] = await db<LockRow>(TABLE)
      .where('expires_at', '>', now)
      .andWhere((q) => {
        q.where('lock_key', key);
        if (ancestors.length > 0) q.orWhere((a) => a.whereIn('lock_key', ancestors).andWhere('depth', 'infinity'));
        if (parent !== undefined) q.orWhere('lock_key', parent);
        if (options.members) q.orWhereRaw('lock_key like ? escape ?', [`${escapeLike(prefix)}%`, '\\']);
      });
    // LIKE is case-insensitive on SQLite: keep only true members.
    return rows
      .map(toLock)
      .filter((l) => l.key === key || l.key === parent || ancestors.includes(l.key) || (options.members === true && l.key.startsWith(prefix)));
  }
}
