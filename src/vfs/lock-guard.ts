import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import type { VfsCore } from './core.js';
import { blockingLocks, type AffectingOptions, type DavLock } from './locks.js';
import { assertCanCreate, assertCanModify, fallbackOwner, type AreaLocation } from './namespace.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/** A lock root as this actor names it: locks never reach outside one area, and keys below an area root mirror paths. */
function pathOf(loc: AreaLocation, lockKey: string): string {
  return lockKey.startsWith(loc.areaKey) ? loc.areaPath + lockKey.slice(loc.areaKey.length) : loc.path;
}

async function lockedError(core: VfsCore, loc: AreaLocation, blocking: DavLock[], db?: Knex | Knex.Transaction): Promise<VfsError> {
  const names = await core.dir.usernames([...new Set(blocking.map((l) => l.principalId))], db);
  const locks = blocking.map((l) => ({ path: pathOf(loc, l.key), lockedBy: names.get(l.principalId) ?? null, expiresAt: new Date(l.expiresAtMs).toISOString() }));
  const first = locks[0];
  return new VfsError(
    'LOCKED',
    `${first.path} is locked over WebDAV by ${first.lockedBy ?? 'a deleted user'} until ${first.expiresAt}: ` +
      'only the WebDAV client holding the lock can change it; unlock it there or wait for the lock to expire',
    { details: { locks } },
  );
}

/**
 * The one lock check of the VFS, run before every change whatever the protocol: refuses with
 * VfsError LOCKED (naming the lock root as the actor sees it, its holder and its expiry) while
 * a WebDAV lock applies to `loc` that the actor does not hold (see blockingLocks). `reach`
 * says which locks besides those covering `loc` count: `members` when the change replaces or
 * removes the tree below, `parent` when it adds or removes `loc` as a member of its folder
 * (RFC 4918 §7.4: a lock on a collection protects its membership). Inside a transaction, pass it.
 */
export async function assertUnlocked(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation, reach: AffectingOptions = {}, db?: Knex | Knex.Transaction): Promise<void> {
  const locks = await core.locks.affecting(loc.key, reach, db);
  if (locks.length === 0) return;
  const blocking = blockingLocks(locks, actor);
  if (blocking.length > 0) throw await lockedError(core, loc, blocking, db);
}

/**
 * Who may lock what (Vfs.assertMayLock): a lock keeps everybody else from changing what it
 * covers, so taking one needs the right to change all of that. An area root: in a home only its
 * user (an administrator may lock inside it, not the whole home); in a share `full` access (its
 * owner, an administrator, a full ACL entry), so a `write` user cannot freeze a share for
 * everybody. Below the root: the entry's owner or `full` access, and with depth infinity on a
 * folder the same for everything in it.
 */
export async function assertMayLockAt(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation, depth: '0' | 'infinity'): Promise<void> {
  const { principal } = actor;
  if (loc.isAreaRoot) {
    if (loc.homeUserId !== null && loc.homeUserId !== principal.userId) {
      throw new VfsError('FORBIDDEN', `only the home's user may lock the whole home ${loc.path}; lock a file or folder inside it`);
    }
    if (loc.share && loc.access !== 'full') {
      throw new VfsError('FORBIDDEN', `only the share's owner, an administrator or a user with full access may lock the share root ${loc.path}; lock a file or folder inside it`);
    }
    return;
  }
  assertCanCreate(loc);
  const raw = await core.backend.stat(loc.key);
  if (loc.access === 'full') return;
  const below = raw.type === 'directory' && depth === 'infinity' ? await core.owners.subtree(loc.key) : [];
  const own = below.find((r) => r.key === loc.key) ?? (await core.owners.get(loc.key));
  assertCanModify(loc, principal, [own?.ownerId ?? fallbackOwner(loc), ...below.map((r) => r.ownerId)]);
}
