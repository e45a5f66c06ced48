import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import { commitTemp as placeTempTree } from './backends/index.js';
import { auditFile, requireInside, requireParentDir, subjectOf, type VfsCore } from './core.js';
import { assertUnlocked } from './lock-guard.js';
import { assertCanCreate, assertCanModify, defaultOwner, fallbackOwner, type AreaLocation } from './namespace.js';
import type { OwnerRecord } from './owners.js';
import { parentKey } from './keys.js';
import { isSameOrBelow } from './path.js';
import type { UsageDelta } from './quota.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/** What deleting a subtree gives back: each owner's bytes and files, and the share's total. */
function removalDeltas(loc: AreaLocation, usage: Array<{ ownerId: number; bytes: number; files: number }>): UsageDelta[] {
  const deltas: UsageDelta[] = usage.map((u) => ({ scope: 'user', subjectId: u.ownerId, bytes: -u.bytes, files: -u.files }));
  if (loc.share) {
    const bytes = usage.reduce((n, u) => n + u.bytes, 0);
    const files = usage.reduce((n, u) => n + u.files, 0);
    deltas.push({ scope: 'share', subjectId: loc.share.id, bytes: -bytes, files: -files });
  }
  return deltas;
}

/** Checks that the actor may change or delete everything at and below `loc`. */
async function assertMayModifyTree(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation): Promise<void> {
  if (loc.access === 'full') return;
  const recs = await core.owners.subtree(loc.key);
  const own = recs.find((r) => r.key === loc.key);
  assertCanModify(loc, actor.principal, [own?.ownerId ?? null, ...recs.map((r) => r.ownerId)]);
}

/** Deletes whatever is at `loc` with its records, properties and usage, inside `trx`. */
async function removeInside(core: VfsCore, trx: Knex.Transaction, loc: AreaLocation): Promise<number> {
  // Summed per owner in the database: a folder of 10,000 files is a few rows, not 10,000 records and updates.
  const usage = await core.owners.subtreeUsage(loc.key, trx);
  for (const p of await core.props.subtreeBytesByOwner(trx, loc.key)) usage.push({ ownerId: p.ownerId ?? fallbackOwner(loc), bytes: p.bytes, files: 0 });
  await core.backend.remove(loc.key);
  await core.owners.deleteSubtree(trx, loc.key);
  await core.props.deleteSubtree(trx, loc.key);
  await core.ledger.applyUsage(trx, removalDeltas(loc, usage));
  return usage.reduce((n, u) => n + u.bytes, 0);
}

/** Deletes a file or a whole tree (owners, usage, dead properties with the bytes they were charged, and WebDAV locks go with it). */
export async function removeEntry(core: VfsCore, actor: RequestActor<Principal>, loc0: AreaLocation): Promise<void> {
  const loc = requireInside(loc0, 'deleted');
  await core.backend.stat(loc.key);
  await assertMayModifyTree(core, actor, loc);
  await assertUnlocked(core, actor, loc, { members: true, parent: true });
  await core.knex.transaction(async (trx) => {
    const bytes = await removeInside(core, trx, loc);
    await core.locks.removeWithin(loc.key, trx);
    await auditFile(core, actor, 'file.delete', loc.path, { key: loc.key, bytes }, trx);
  });
}

interface TransferPlan {
  created: boolean;
  srcType: 'file' | 'directory';
}

/** Shared checks of move and copy: source exists, target parent exists, overwrite rules, no self-nesting. */
async function planTransfer(core: VfsCore, actor: RequestActor<Principal>, from: AreaLocation, to: AreaLocation, overwrite: boolean): Promise<TransferPlan> {
  const src = await core.backend.stat(from.key);
  if (from.key === to.key) throw new VfsError('FORBIDDEN', 'source and destination are the same');
  if (isSameOrBelow(to.key, from.key)) throw new VfsError('CONFLICT', 'a folder cannot be moved or copied into itself');
  await requireParentDir(core, to);
  assertCanCreate(to);
  const dest = await core.backend.tryStat(to.key);
  if (dest) {
    if (!overwrite) throw new VfsError('ALREADY_EXISTS', `${to.path} already exists`);
    if (isSameOrBelow(from.key, to.key)) throw new VfsError('CONFLICT', 'cannot overwrite a folder that contains the source');
    await assertMayModifyTree(core, actor, to);
  }
  await assertUnlocked(core, actor, to, { parent: true, members: dest !== undefined });
  return { created: !dest, srcType: src.type };
}

/**
 * Moves a file or tree; owners follow (into a home they become the home's user), as do usage and
 * properties. WebDAV locks stay with paths (RFC 4918 §7.7): those on the source tree go.
 */
export async function moveEntry(core: VfsCore, actor: RequestActor<Principal>, from0: AreaLocation, to0: AreaLocation, overwrite: boolean): Promise<{ created: boolean }> {
  const from = requireInside(from0, 'moved');
  const to = requireInside(to0, 'replaced');
  const plan = await planTransfer(core, actor, from, to, overwrite);
  await assertMayModifyTree(core, actor, from);
  await assertUnlocked(core, actor, from, { members: true, parent: true });
  const recs = await core.owners.subtree(from.key);
  const crossArea = from.areaKey !== to.areaKey;
  const ownerOf = (r: OwnerRecord) => (crossArea && to.homeUserId !== null ? to.homeUserId : r.ownerId);
  const fileBytes = recs.reduce((n, r) => n + (r.isDir ? 0 : r.size), 0);
  const propBytes = await core.props.subtreeBytes(core.knex, from.key);
  const bytes = fileBytes + [...propBytes.values()].reduce((a, b) => a + b, 0);
  let reservationId: string | undefined;
  if (crossArea && bytes > 0) {
    const ownerChanges = to.homeUserId !== null && recs.some((r) => r.ownerId !== to.homeUserId);
    const subject = subjectOf(to, ownerChanges ? to.homeUserId : null);
    if (subject.userId !== null || subject.shareId !== null) reservationId = await core.ledger.reserve(subject, bytes, { kind: 'write' });
  }
  try {
    await core.knex.transaction(async (trx) => {
      if (!plan.created) await removeInside(core, trx, to);
      await core.backend.rename(from.key, to.key);
      await Promise.all([...new Set([parentKey(from.key), parentKey(to.key)])].map((folder) => core.folderSyncs.sync(folder)));
      await core.locks.removeWithin(from.key, trx);
      await core.owners.moveSubtree(trx, from.key, to.key, ownerOf);
      await core.props.transferSubtree(trx, from.key, to.key, 'move');
      const deltas: UsageDelta[] = [];
      for (const r of recs) {
        if (r.isDir || ownerOf(r) === r.ownerId) continue;
        deltas.push({ scope: 'user', subjectId: r.ownerId, bytes: -r.size, files: -1 }, { scope: 'user', subjectId: ownerOf(r), bytes: r.size, files: 1 });
      }
      // Properties stay their resource's owner's; one without an owner record was the area's fallback owner's.
      const recByKey = new Map(recs.map((r) => [r.key, r]));
      for (const [key, propSize] of propBytes) {
        const rec = recByKey.get(key);
        const before = rec?.ownerId ?? fallbackOwner(from);
        const after = rec ? ownerOf(rec) : fallbackOwner(to);
        if (before !== after) deltas.push({ scope: 'user', subjectId: before, bytes: -propSize, files: 0 }, { scope: 'user', subjectId: after, bytes: propSize, files: 0 });
      }
      if (crossArea) {
        const files = recs.filter((r) => !r.isDir).length;
        if (from.share) deltas.push({ scope: 'share', subjectId: from.share.id, bytes: -bytes, files: -files });
        if (to.share) deltas.push({ scope: 'share', subjectId: to.share.id, bytes, files });
      }
      await core.ledger.applyUsage(trx, deltas);
      if (reservationId) await core.ledger.release(reservationId, trx);
      await auditFile(core, actor, 'file.move', from.path, { to: to.path, fromKey: from.key, toKey: to.key, bytes }, trx);
    });
  } catch (err) {
    if (reservationId) await core.ledger.release(reservationId);
    throw err;
  }
  return { created: plan.created };
}

/** Bytes a copy of `from` will write: the file, or every file of the tree (none for a folder at depth 0). */
async function bytesToCopy(core: VfsCore, from: AreaLocation, srcType: 'file' | 'directory', depth: 0 | 'infinity'): Promise<number> {
  if (srcType === 'file') return (await core.backend.stat(from.key)).size;
  if (depth === 0) return 0;
  let bytes = 0;
  for await (const e of core.backend.walk(from.key)) if (e.stat.type === 'file') bytes += e.stat.size;
  return bytes;
}

/**
 * Copies a file or tree; the copy belongs to its creator (in a home: the home's user) and is
 * charged to them. The destination's bytes are reserved BEFORE any byte is copied, so a copy
 * that cannot fit is refused (QUOTA_EXCEEDED) without touching the disk; a source that grew
 * meanwhile must still fit when the copy is done.
 */
export async function copyEntry(
  core: VfsCore,
  actor: RequestActor<Principal>,
  from0: AreaLocation,
  to0: AreaLocation,
  options: { overwrite: boolean; depth: 0 | 'infinity' },
): Promise<{ created: boolean }> {
  const from = requireInside(from0, 'copied');
  const to = requireInside(to0, 'replaced');
  const plan = await planTransfer(core, actor, from, to, options.overwrite);
  const ownerId = defaultOwner(to, actor.principal);
  const subject = subjectOf(to, ownerId);
  const depth0 = plan.srcType === 'directory' && options.depth === 0;
  const propBytes = [...(await core.props.subtreeBytes(core.knex, from.key, depth0)).values()].reduce((a, b) => a + b, 0);
  const expected = (await bytesToCopy(core, from, plan.srcType, options.depth)) + propBytes;
  const reservationId = await core.ledger.reserve(subject, expected, { kind: 'write', targetKey: to.key });
  let tempPath: string | undefined;
  try {
    const copied =
      plan.srcType === 'file'
        ? { ...(await core.backend.copyToTemp(from.key)), entries: [] as Array<{ rel: string; stat: { type: string; size: number } }> }
        : { ...(await core.backend.copyTreeToTemp(from.key, options.depth)), size: 0 };
    tempPath = copied.tempPath;
    const files = plan.srcType === 'file' ? [{ rel: '', size: copied.size }] : copied.entries.filter((e) => e.stat.type === 'file').map((e) => ({ rel: e.rel, size: e.stat.size }));
    const fileBytes = files.reduce((n, f) => n + f.size, 0);
    const bytes = fileBytes + propBytes;
    if (bytes > expected) await core.ledger.grow(reservationId, bytes);
    const srcRecs = new Map((await core.owners.subtree(from.key)).map((r) => [r.key.slice(from.key.length), r]));
    await core.knex.transaction(async (trx) => {
      if (!plan.created) await removeInside(core, trx, to);
      await placeTempTree(core.backend, copied.tempPath, to.key);
      await core.folderSyncs.sync(parentKey(to.key));
      const recs: OwnerRecord[] = [{ key: to.key, ownerId, isDir: plan.srcType === 'directory', size: plan.srcType === 'file' ? fileBytes : 0, sha256: srcRecs.get('')?.sha256 ?? null }];
      for (const e of copied.entries) {
        recs.push({ key: to.key + e.rel, ownerId, isDir: e.stat.type === 'directory', size: e.stat.type === 'file' ? e.stat.size : 0, sha256: srcRecs.get(e.rel)?.sha256 ?? null });
      }
      await core.owners.insertMany(trx, recs);
      await core.props.transferSubtree(trx, from.key, to.key, 'copy', depth0);
      const deltas: UsageDelta[] = [{ scope: 'user', subjectId: ownerId, bytes, files: files.length }];
      if (to.share) deltas.push({ scope: 'share', subjectId: to.share.id, bytes, files: files.length });
      await core.ledger.applyUsage(trx, deltas);
      await core.ledger.release(reservationId, trx);
      await auditFile(core, actor, 'file.copy', from.path, { to: to.path, fromKey: from.key, toKey: to.key, bytes }, trx);
    });
  } catch (err) {
    if (tempPath) await core.backend.discardTemp(tempPath);
    await core.ledger.release(reservationId);
    throw err;
  }
  return { created: plan.created };
}
