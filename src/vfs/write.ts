import type { Readable } from 'node:stream';
import { VfsError } from '../lib/errors.js';
import type { TempFile } from './backends/local.js';
import { auditFile, requireInside, requireParentDir, subjectOf, toEntry, type VfsCore } from './core.js';
import { assertCanCreate, assertCanModify, defaultOwner, fallbackOwner, type AreaLocation } from './namespace.js';
import type { UsageDelta } from './quota.js';
import type { Actor, WriteOptions, WriteResult } from './types.js';

/** Reservation growth step while the size is unknown: few DB round trips, little over-reservation. */
const GROW_STEP = 8 * 1024 * 1024;

/** Who will own the file at `loc` and how many of its current bytes that owner gets back. */
export async function plannedOwner(core: VfsCore, actor: Actor, loc: AreaLocation): Promise<{ ownerId: number; credit: number; exists: boolean }> {
  const raw = await core.backend.tryStat(loc.key);
  if (raw?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', `${loc.path} is a folder`);
  if (!raw) return { ownerId: defaultOwner(loc, actor.principal), credit: 0, exists: false };
  const rec = await core.owners.get(loc.key);
  return { ownerId: rec?.ownerId ?? fallbackOwner(loc), credit: rec?.size ?? 0, exists: true };
}

/** Checks that the actor may create (or, when it exists, replace) the file at `loc`. */
export async function assertMayWriteFile(core: VfsCore, actor: Actor, loc: AreaLocation, overwrite: boolean): Promise<{ ownerId: number; credit: number; exists: boolean }> {
  await requireParentDir(core, loc);
  const plan = await plannedOwner(core, actor, loc);
  if (plan.exists) {
    if (!overwrite) throw new VfsError('ALREADY_EXISTS', `${loc.path} already exists`);
    assertCanModify(loc, actor.principal, [plan.ownerId]);
  } else {
    assertCanCreate(loc);
  }
  return plan;
}

/**
 * Moves a finished temp file into the namespace in ONE transaction with its bookkeeping:
 * rename (or no-clobber link when overwrite is false), owner record, usage deltas (old owner
 * credited, new owner charged, share counters), reservation released, audit event.
 * The transaction first locks the usage rows of the place (home user / share), so commits to
 * one file run one after the other and the size credited is the one really replaced; growth
 * beyond the reservation must still fit the quota (QUOTA_EXCEEDED otherwise).
 * If anything fails the temp file is deleted and the reservation released.
 */
export async function commitTemp(
  core: VfsCore,
  actor: Actor,
  loc: AreaLocation,
  temp: TempFile,
  options: { reservationId?: string; overwrite: boolean; mtimeMs?: number; ownerId?: number },
): Promise<WriteResult> {
  try {
    return await core.knex.transaction(async (trx) => {
      const likelyOwner = loc.homeUserId ?? (await core.owners.get(loc.key, trx))?.ownerId ?? options.ownerId ?? defaultOwner(loc, actor.principal);
      await core.ledger.lockSubject(trx, subjectOf(loc, likelyOwner));
      const before = await core.backend.tryStat(loc.key);
      if (before?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', `${loc.path} is a folder`);
      const old = before ? await core.owners.get(loc.key, trx) : undefined;
      const ownerId = old?.ownerId ?? options.ownerId ?? (before ? fallbackOwner(loc) : defaultOwner(loc, actor.principal));
      const replaced = old && !old.isDir ? old.size : 0;
      await core.ledger.assertGrowthFits(trx, subjectOf(loc, ownerId), temp.size - replaced, options.reservationId);
      const raw = options.overwrite
        ? await core.backend.commitTemp(temp.tempPath, loc.key, options.mtimeMs)
        : await core.backend.commitTempNoReplace(temp.tempPath, loc.key, options.mtimeMs);
      await core.owners.upsert(trx, { key: loc.key, ownerId, isDir: false, size: temp.size, sha256: temp.sha256 });
      const deltas: UsageDelta[] = [{ scope: 'user', subjectId: ownerId, bytes: temp.size, files: 1 }];
      if (old && !old.isDir) deltas.push({ scope: 'user', subjectId: old.ownerId, bytes: -old.size, files: -1 });
      if (loc.share) deltas.push({ scope: 'share', subjectId: loc.share.id, bytes: temp.size - (old?.size ?? 0), files: old ? 0 : 1 });
      await core.ledger.applyUsage(trx, deltas);
      if (options.reservationId) await core.ledger.release(options.reservationId, trx);
      await auditFile(core, actor, before ? 'file.overwrite' : 'file.create', loc.path, { key: loc.key, bytes: temp.size, sha256: temp.sha256 }, trx);
      return { stat: toEntry(loc.path, raw, ownerId), created: !before };
    });
  } catch (err) {
    await core.backend.discardTemp(temp.tempPath);
    if (options.reservationId) await core.ledger.release(options.reservationId);
    throw err;
  }
}

/**
 * The one upload pipeline (conventions §2.4): permission → reservation of the announced size →
 * a stream that counts bytes and grows the reservation as needed (QUOTA_EXCEEDED past what is
 * available) → fsynced temp file → atomic commit. Nothing is left behind on failure.
 */
export async function writeFile(core: VfsCore, actor: Actor, loc0: AreaLocation, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
  const loc = requireInside(loc0, 'written');
  const overwrite = options.overwrite ?? true;
  if (options.expectedSize !== undefined && (!Number.isSafeInteger(options.expectedSize) || options.expectedSize < 0)) {
    throw new VfsError('VALIDATION', 'the announced size must be a whole number of bytes');
  }
  const plan = await assertMayWriteFile(core, actor, loc, overwrite);
  const subject = subjectOf(loc, plan.ownerId);
  let reserved = Math.max(0, (options.expectedSize ?? 0) - plan.credit);
  const reservationId = await core.ledger.reserve(subject, reserved, { kind: 'write' });
  const guard = async (total: number) => {
    const needed = total - plan.credit;
    if (needed <= reserved) return;
    const target = Math.max(needed, reserved + GROW_STEP);
    try {
      await core.ledger.grow(reservationId, target);
      reserved = target;
    } catch (err) {
      if (target === needed || !(err instanceof VfsError && err.code === 'QUOTA_EXCEEDED')) throw err;
      await core.ledger.grow(reservationId, needed);
      reserved = needed;
    }
  };
  let temp: TempFile;
  try {
    temp = await core.backend.writeTemp(source, guard);
  } catch (err) {
    await core.ledger.release(reservationId);
    throw err;
  }
  return commitTemp(core, actor, loc, temp, { reservationId, overwrite, mtimeMs: options.mtimeMs });
}
