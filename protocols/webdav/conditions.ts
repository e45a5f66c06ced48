import { isAppError, VfsError } from '../../src/lib/errors.js';
import { blockingLocks, coversKey as covers, type DavLock, type EntryStat } from '../../src/vfs/index.js';
import type { DavContext } from './context.js';
import { DavError } from './errors.js';
import { formatEtag } from './live-props.js';
import { evaluateIfHeader, type IfResourceState } from './if-header.js';

/** One resource a write touches and how far its locks reach. */
export interface WriteTarget {
  path: string;
  /** The write replaces or removes the whole tree below `path`. */
  members?: boolean;
  /**
   * The write adds or removes `path` as a member of its parent collection, so locks on the
   * parent itself count too; 'if-new' = only when `path` does not exist yet (PUT).
   */
  parent?: boolean | 'if-new';
  /** Already known stat (null = does not exist; undefined = not looked up yet). */
  stat?: EntryStat | null;
}

/** Stat that answers null for a missing resource instead of throwing. */
export async function statOrNull(ctx: DavContext, path: string): Promise<EntryStat | null> {
  try {
    return await ctx.vfs.stat(ctx.actor, path);
  } catch (err) {
    if (isAppError(err) && (err.code === 'NOT_FOUND' || err.code === 'PARENT_MISSING' || err.code === 'NOT_A_DIRECTORY')) return null;
    throw err;
  }
}

/** The lock root as the current user addresses it (paths mirror keys below the common ancestor). */
export function lockRootPath(lock: DavLock, path: string, key: string): string {
  if (lock.key === key) return path;
  if (key.startsWith(`${lock.key}/`)) {
    const up = key.slice(lock.key.length).split('/').length - 1;
    return path.split('/').slice(0, -up).join('/') || '/';
  }
  if (lock.key.startsWith(`${key}/`)) return `${path === '/' ? '' : path}${lock.key.slice(key.length)}`;
  return lock.rootPath;
}

/** The tokens of the locks on a resource, in one query. */
export async function lockTokensOf(ctx: DavContext, path: string): Promise<Set<string>> {
  const key = await ctx.vfs.storageKey(ctx.actor, path);
  const locks = await ctx.deps.locks.affecting(key);
  return new Set(locks.map((l) => l.token));
}

interface TargetLocks {
  target: WriteTarget;
  key: string;
  locks: DavLock[];
}

/** The locks that apply to each target (one query per target; a stat only when 'if-new' meets a parent lock). */
async function locksOf(ctx: DavContext, targets: WriteTarget[]): Promise<TargetLocks[]> {
  const out: TargetLocks[] = [];
  for (const target of targets) {
    const key = await ctx.vfs.storageKey(ctx.actor, target.path);
    let locks = await ctx.deps.locks.affecting(key, { members: target.members, parent: target.parent !== false && target.parent !== undefined });
    if (target.parent === 'if-new' && locks.some((l) => !covers(l, key))) {
      if (target.stat === undefined) target.stat = await statOrNull(ctx, target.path);
      if (target.stat !== null) locks = locks.filter((l) => covers(l, key));
    }
    out.push({ target, key, locks });
  }
  return out;
}

/**
 * Lock enforcement (RFC 4918 §7): every lock that applies to a target must be one the actor
 * holds and submitted in the If header (the VFS's rule, blockingLocks), else VfsError LOCKED
 * (→ 423 with the lock roots in DAV:lock-token-submitted). The VFS checks again before the
 * change; this check answers first, with hrefs a WebDAV client understands.
 */
function enforceLocks(ctx: DavContext, all: TargetLocks[]): void {
  const blocked = all.flatMap(({ target, key, locks }) => blockingLocks(locks, ctx.actor).map((l) => ctx.href(lockRootPath(l, target.path, key), false)));
  if (blocked.length > 0) throw new VfsError('LOCKED', 'the resource is locked', { details: { hrefs: blocked } });
}

async function stateOf(ctx: DavContext, path: string): Promise<IfResourceState> {
  const stat = await statOrNull(ctx, path);
  return { etag: stat ? formatEtag(stat) : null, lockTokens: await lockTokensOf(ctx, path) };
}

/** Evaluates the If header, when present (RFC 4918 §10.4); false → 412. */
export async function checkIfHeader(ctx: DavContext, requestState?: IfResourceState): Promise<void> {
  const header = ctx.ifHeader;
  if (!header) return;
  const ok = await evaluateIfHeader(header, async (resource) => {
    if (resource === null) return requestState ?? stateOf(ctx, ctx.target.path);
    const target = ctx.resolve(resource);
    return target ? stateOf(ctx, target.path) : { etag: null, lockTokens: new Set<string>() };
  });
  if (!ok) throw new DavError('PRECONDITION_FAILED', 'the If header conditions do not hold');
}

/** All write preconditions: the If header first (false → 412), then the locks (→ 423). */
export async function checkWrite(ctx: DavContext, targets: WriteTarget[]): Promise<void> {
  const all = await locksOf(ctx, targets);
  const header = ctx.ifHeader;
  if (header) {
    const own = all.find((t) => t.target.path === ctx.target.path);
    let state: IfResourceState | undefined;
    if (own) {
      const stat = own.target.stat === undefined ? await statOrNull(ctx, own.target.path) : own.target.stat;
      state = { etag: stat ? formatEtag(stat) : null, lockTokens: new Set(own.locks.filter((l) => covers(l, own.key)).map((l) => l.token)) };
    }
    await checkIfHeader(ctx, state);
  }
  enforceLocks(ctx, all);
}
