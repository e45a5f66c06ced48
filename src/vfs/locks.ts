import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import { fastQuery } from '../lib/fast-query.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

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

/** A knex instance or a transaction: lock reads and removals may join the caller's transaction. */
type Db = Knex | Knex.Transaction;

/**
 * Where WebDAV locks live: in the database, so they survive restarts and hold across several
 * nasd processes. Keys are storage keys, `/`-separated, where a member's key is its
 * collection's key + `/` + its name. Expired locks are never returned and are purged lazily.
 * Every protocol honours them: the VFS checks them before each change (see lock-guard.ts).
 */
export interface DavLockStore {
  /**
   * Creates a lock, or throws VfsError LOCKED (details.hrefs = conflicting lock roots) on a
   * conflict, QUOTA_EXCEEDED when the user holds MAX_LOCKS_PER_USER already.
   */
  create(lock: NewDavLock): Promise<DavLock>;
  /** Restarts a lock's timeout; null when the token is unknown or expired. */
  refresh(token: string, timeoutSeconds: number): Promise<DavLock | null>;
  /** Removes a lock; false when it did not exist. */
  remove(token: string): Promise<boolean>;
  /** Active locks that apply to `key` (see AffectingOptions), in one query. */
  affecting(key: string, options?: AffectingOptions, db?: Db): Promise<DavLock[]>;
  /** Removes the locks on `key` and everything below it (the resource was deleted or moved). */
  removeWithin(key: string, db?: Db): Promise<void>;
  /** Removes every lock a user holds (the user is being deleted). */
  removeHeldBy(principalId: number, db?: Db): Promise<void>;
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
/**
 * Active locks one user may hold. Shared locks on one resource have no natural bound, and every
 * write to it reads all of them: a client needs a few per open file, not thousands.
 */
export const MAX_LOCKS_PER_USER = 1000;

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

/** A lock applies to a resource itself when it sits on it, or above it with depth infinity. */
export function coversKey(lock: DavLock, key: string): boolean {
  return lock.key === key || (lock.depth === 'infinity' && key.startsWith(memberPrefix(lock.key)));
}

/**
 * Of the locks that apply to a change, those that stop `actor` (RFC 4918 §7): one per locked
 * resource on which the actor holds none. A lock is held when the client submitted its token
 * (RequestActor.lockTokens) and it is the actor's own; of several shared locks on one resource,
 * holding any one suffices.
 */
export function blockingLocks(locks: readonly DavLock[], actor: RequestActor<Principal>): DavLock[] {
  const byKey = new Map<string, DavLock[]>();
  for (const l of locks) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l]);
  const held = (l: DavLock) => actor.lockTokens?.has(l.token) === true && l.principalId === actor.principal.userId;
  return [...byKey.values()].filter((group) => !group.some(held)).map((group) => group[0]);
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
    private readonly maxPerUser = MAX_LOCKS_PER_USER,
  ) {}

  async create(lock: NewDavLock): Promise<DavLock> {
    return this.knex.transaction(async (trx) => {
      if (trx.client.config.client === 'pg') await trx.raw('select pg_advisory_xact_lock(?)', [PG_ADVISORY_ID]);
      const now = this.now();
      await trx(TABLE).where('expires_at', '<=', now).delete();
      const held = await trx(TABLE).where('principal_id', lock.principalId).count({ n: '*' }).first();
      if (Number(held?.n ?? 0) >= this.maxPerUser) {
        throw new VfsError('QUOTA_EXCEEDED', `you hold ${this.maxPerUser} WebDAV locks, the most one user may; unlock some or let them expire`);
      }
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

  affecting(key: string, options: AffectingOptions = {}, db: Db = this.knex): Promise<DavLock[]> {
    return this.query(db, key, options, this.now());
  }

  async removeWithin(key: string, db: Db = this.knex): Promise<void> {
    const prefix = memberPrefix(key);
    const rows: Array<{ token: string; lock_key: string }> = await db(TABLE)
      .select('token', 'lock_key')
      .where('lock_key', key)
      .orWhereRaw('lock_key like ? escape ?', [`${escapeLike(prefix)}%`, '\\']);
    const tokens = rows.filter((r) => r.lock_key === key || r.lock_key.startsWith(prefix)).map((r) => r.token);
    if (tokens.length > 0) await db(TABLE).whereIn('token', tokens).delete();
  }

  async removeHeldBy(principalId: number, db: Db = this.knex): Promise<void> {
    await db(TABLE).where('principal_id', principalId).delete();
  }

  private async query(db: Db, key: string, options: AffectingOptions, now: number): Promise<DavLock[]> {
    const ancestors = ancestorKeys(key);
    const parent = options.parent ? parentKey(key) : undefined;
    const prefix = memberPrefix(key);
    // Every write asks (twice: the protocol's precondition and the commit), so the statement is
    // prepared once per shape (fastQuery) rather than built by knex each time.
    const conditions = ['lock_key = ?'];
    const params: Knex.Value[] = [now, key];
    if (ancestors.length > 0) {
      conditions.push(`(lock_key in (${ancestors.map(() => '?').join(', ')}) and depth = ?)`);
      params.push(...ancestors, 'infinity');
    }
    if (parent !== undefined) {
      conditions.push('lock_key = ?');
      params.push(parent);
    }
    if (options.members) {
      conditions.push('lock_key like ? escape ?');
      params.push(`${escapeLike(prefix)}%`, '\\');
    }
    const rows = (await fastQuery(db, `select * from ${TABLE} where expires_at > ? and (${conditions.join(' or ')})`, params)) as unknown as LockRow[];
    // LIKE is case-insensitive on SQLite: keep only true members.
    return rows
      .map(toLock)
      .filter((l) => l.key === key || l.key === parent || ancestors.includes(l.key) || (options.members === true && l.key.startsWith(prefix)));
  }
}
