import { Readable } from 'node:stream';
import type { DavLock } from '../../../src/vfs/index.js';
import { header } from '../body.js';
import { checkIfHeader, checkWrite, statOrNull } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { submittedTokens } from '../if-header.js';
import { activeLockXml } from '../live-props.js';
import { childElements, DAV_NS, findChild, innerXml, type XmlElement } from '../xml.js';

/** Timeout: the first usable of `Second-N` / `Infinite`, capped; the default when absent. */
export function parseTimeout(header: string | undefined, fallback: number, max: number): number {
  if (header === undefined) return fallback;
  for (const part of header.split(',')) {
    const t = part.trim();
    if (/^infinite$/i.test(t)) return max;
    const m = /^second-(\d+)$/i.exec(t);
    if (m) return Math.max(1, Math.min(Number(m[1]), max));
  }
  return fallback;
}

interface LockInfo {
  scope: 'exclusive' | 'shared';
  ownerXml: string;
}

function parseLockInfo(body: XmlElement): LockInfo {
  if (body.ns !== DAV_NS || body.local !== 'lockinfo') throw new DavError('VALIDATION', 'LOCK body must be a DAV:lockinfo element');
  const scopeEl = findChild(body, DAV_NS, 'lockscope');
  const scope = scopeEl ? childElements(scopeEl).find((c) => c.ns === DAV_NS)?.local : undefined;
  if (scope !== 'exclusive' && scope !== 'shared') throw new DavError('VALIDATION', 'lockscope must be exclusive or shared');
  const typeEl = findChild(body, DAV_NS, 'locktype');
  if (!typeEl || !findChild(typeEl, DAV_NS, 'write')) throw new DavError('VALIDATION', 'only write locks are supported');
  const owner = findChild(body, DAV_NS, 'owner');
  return { scope, ownerXml: owner ? innerXml(owner) : '' };
}

function answer(ctx: DavContext, status: number, lock: DavLock, withToken: boolean): void {
  const href = ctx.href(ctx.target.path, ctx.target.slash);
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock, href)}</D:lockdiscovery></D:prop>\n`;
  ctx.xml(status, body, withToken ? { 'Lock-Token': `<${lock.token}>` } : {});
}

async function refresh(ctx: DavContext, timeout: number): Promise<void> {
  const header = ctx.ifHeader;
  if (!header) throw new DavError('VALIDATION', 'a LOCK without a body refreshes a lock and needs an If header');
  const tokens = submittedTokens(header);
  const key = await ctx.vfs.storageKey(ctx.actor, ctx.target.path);
  const lock = (await ctx.deps.locks.affecting(key)).find((l) => tokens.has(l.token));
  if (!lock) throw new DavError('PRECONDITION_FAILED', 'no submitted lock token applies to this resource', 'lock-token-matches-request-uri');
  if (lock.principalId !== ctx.actor.principal.userId) throw new DavError('FORBIDDEN', 'the lock belongs to another user');
  // A refresh is a new grant: a user whose access was lowered cannot keep a lock they may no longer take.
  await ctx.vfs.assertMayLock(ctx.actor, lock.rootPath, lock.depth);
  await checkIfHeader(ctx);
  const refreshed = await ctx.deps.locks.refresh(lock.token, timeout);
  if (!refreshed) throw new DavError('PRECONDITION_FAILED', 'the lock expired');
  answer(ctx, 200, refreshed, false);
}

/**
 * LOCK (RFC 4918 §9.10): creates an exclusive or shared write lock of depth 0 or infinity, or
 * refreshes one (empty body + If). An unmapped URL gets an empty file (201). Conflicts → 423;
 * locking what the user may not change for everybody (a share root without full access,
 * another user's files) → 403 (Vfs.assertMayLock). Timeouts are capped (DavDeps.maxLockSeconds).
 */
export async function lock(ctx: DavContext): Promise<void> {
  const body = await ctx.xmlBody();
  const timeout = parseTimeout(header(ctx.req, 'timeout'), ctx.deps.defaultLockSeconds, ctx.deps.maxLockSeconds);
  if (!body) return refresh(ctx, timeout);
  const info = parseLockInfo(body);
  const depth = ctx.depth(['0', 'infinity'], 'infinity');
  const { vfs, actor } = ctx;
  const path = ctx.target.path;
  const stat = await statOrNull(ctx, path);
  const lockDepth = stat?.type === 'directory' ? depth : '0';
  if (stat) {
    await vfs.assertMayLock(actor, path, lockDepth);
    await checkIfHeader(ctx);
  } else {
    await checkWrite(ctx, [{ path, stat: null, parent: true }]);
    await vfs.write(actor, path, Readable.from([]), { expectedSize: 0, overwrite: false });
  }
  const key = await vfs.storageKey(actor, path);
  const created = await ctx.deps.locks.create({
    key,
    rootPath: path,
    depth: lockDepth,
    scope: info.scope,
    ownerXml: info.ownerXml,
    principalId: actor.principal.userId,
    timeoutSeconds: timeout,
  });
  answer(ctx, stat ? 200 : 201, created, true);
}

/** UNLOCK (RFC 4918 §9.11): the Lock-Token must name a lock on this resource (409) held by the actor (403). */
export async function unlock(ctx: DavContext): Promise<void> {
  const raw = header(ctx.req, 'lock-token');
  const m = raw ? /^\s*<([^<>\s]+)>\s*$/.exec(raw) : null;
  if (!m) throw new DavError('VALIDATION', 'Lock-Token header is missing or malformed');
  const key = await ctx.vfs.storageKey(ctx.actor, ctx.target.path);
  const lock = (await ctx.deps.locks.affecting(key)).find((l) => l.token === m[1]);
  if (!lock) throw new DavError('CONFLICT', 'the lock token does not apply to this resource', 'lock-token-matches-request-uri');
  if (lock.principalId !== ctx.actor.principal.userId && !ctx.actor.principal.isAdmin) {
    throw new DavError('FORBIDDEN', 'the lock belongs to another user');
  }
  await ctx.deps.locks.remove(lock.token);
  ctx.empty(204);
}
