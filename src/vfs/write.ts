import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import { VfsError } from '../lib/errors.js';
import type { CommitInspection, RawStat, TempFile } from './backends/index.js';
import { auditFile, requireInside, subjectOf, toEntry, type VfsCore } from './core.js';
import { parentKey } from './keys.js';
import type { Serial } from './commit-batches.js';
import { assertUnlocked } from './lock-guard.js';
import { assertCanCreate, assertCanModify, defaultOwner, fallbackOwner, type AreaLocation } from './namespace.js';
import type { OwnerRecord } from './owners.js';
import type { UsageDelta } from './quota.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { WriteOptions, WriteResult } from './types.js';

/** Reservation growth step while the size is unknown: few DB round trips, little over-reservation. */
const GROW_STEP = 8 * 1024 * 1024;

/**
 * Writes announcing at most this many bytes, for an owner without a quota in a place without a
 * size limit, take no up-front reservation. A reservation exists to stop an upload early when it
 * cannot fit and to keep concurrent uploads from each counting the same free space; with no
 * limit and a small size it only cost two more transactions per write (the free disk is still
 * enforced by the filesystem, and any quota set meanwhile by the commit, under the usage-row
 * lock). A body that runs past this size takes a reservation from then on.
 */
export const UNRESERVED_WRITE_BYTES = 1024 * 1024;

/** Who will own the file at `loc`, how many of its current bytes that owner gets back, whether it exists. */
export interface WritePlan {
  ownerId: number;
  credit: number;
  exists: boolean;
}

/** Who owns what is at `loc` now (`entry` from the disk) and how many bytes the owner gets back. */
async function planFor(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation, entry: RawStat | undefined): Promise<WritePlan> {
  if (entry?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', `${loc.path} is a folder`);
  if (!entry) return { ownerId: defaultOwner(loc, actor.principal), credit: 0, exists: false };
  const rec = await core.owners.get(loc.key);
  return { ownerId: rec?.ownerId ?? fallbackOwner(loc), credit: rec?.size ?? 0, exists: true };
}

/**
 * Checks that the actor may create (or, when it exists, replace) the file at `loc`: its folder
 * exists (PARENT_MISSING / NOT_A_DIRECTORY), it is not a folder, and the permission holds.
 */
export async function assertMayWriteFile(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation, overwrite: boolean): Promise<WritePlan> {
  const probe = await core.backend.probe(loc.key);
  if (probe.parent === 'missing') throw new VfsError('PARENT_MISSING', `the parent folder of ${loc.path} does not exist`);
  if (probe.parent === 'file') throw new VfsError('NOT_A_DIRECTORY', `the parent of ${loc.path} is a file`);
  const plan = await planFor(core, actor, loc, probe.entry);
  if (plan.exists) {
    if (!overwrite) throw new VfsError('ALREADY_EXISTS', `${loc.path} already exists`);
    assertCanModify(loc, actor.principal, [plan.ownerId]);
  } else {
    assertCanCreate(loc);
  }
  return plan;
}

/** Usage deltas of one commit, merged per counter (an overwrite in a home is one update). */
function commitDeltas(loc: AreaLocation, ownerId: number, size: number, old: OwnerRecord | undefined): UsageDelta[] {
  const byKey = new Map<string, UsageDelta>();
  const add = (d: UsageDelta) => {
    const k = `${d.scope}:${d.subjectId}`;
    const prev = byKey.get(k);
    byKey.set(k, prev ? { ...prev, bytes: prev.bytes + d.bytes, files: prev.files + d.files } : d);
  };
  add({ scope: 'user', subjectId: ownerId, bytes: size, files: 1 });
  if (old && !old.isDir) add({ scope: 'user', subjectId: old.ownerId, bytes: -old.size, files: -1 });
  if (loc.share) add({ scope: 'share', subjectId: loc.share.id, bytes: size - (old?.size ?? 0), files: old ? 0 : 1 });
  return [...byKey.values()];
}

/**
 * Moves a finished temp file into the namespace together with its bookkeeping, in one database
 * transaction: rename (or no-clobber link when overwrite is false), owner record, usage deltas
 * (old owner credited, new owner charged, share counters), reservation released, audit event.
 * Under load several commits share that transaction (commit-batches.ts); each is checked and
 * booked on its own. A WebDAV lock on the file, a depth-infinity one above it, or (for a new
 * file) one on its folder that the actor does not hold refuses the commit (LOCKED), whatever the
 * protocol. The usage rows of the place (home user / share) are locked first, so commits to one
 * file run one after the other and the size credited is the one really replaced; growth beyond
 * the reservation must still fit the quota (QUOTA_EXCEEDED otherwise).
 * If anything fails the temp file is deleted and the reservation released.
 */
export async function commitTemp(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation, temp: TempFile, options: CommitTempOptions): Promise<WriteResult> {
  try {
    const inspection = await core.backend.inspectCommit(temp.tempPath, loc.key, { mtimeMs: options.mtimeMs });
    if (inspection.existing?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', `${loc.path} is a folder`);
    const result = await core.commits.run({
      key: loc.key,
      // In a share the owner of an existing file decides whose usage row to lock; it is read again under the lock.
      subject: async (trx) =>
        subjectOf(loc, loc.homeUserId ?? ownerAfterCommit(loc, actor, options, await core.owners.get(loc.key, trx), inspection.existing !== undefined)),
      commit: (trx, serial) => placeAndBook(core, actor, loc, temp, inspection, options, trx, serial),
    }, options.arrived);
    core.onCommitted?.(actor.protocol, temp.size);
    return result;
  } catch (err) {
    options.arrived?.();
    await core.backend.discardTemp(temp.tempPath);
    if (options.reservationId) await core.ledger.release(options.reservationId);
    throw err;
  }
}

export interface CommitTempOptions {
  reservationId?: string;
  overwrite: boolean;
  mtimeMs?: number;
  ownerId?: number;
  /** Ends the write's CommitBatcher.expect() announcement (when it made one). */
  arrived?: () => void;
}

/**
 * commitTemp's part inside the batch transaction. The target was looked at before the
 * transaction, which may have waited: where that look and the owner record read under the lock
 * disagree (a file committed, deleted or moved meanwhile), the disk is looked at again. The
 * checks, the usage they charge and the reservation's release run in `serial` before the
 * rename, so the next commit of the batch checks its quota with this one counted; a rename or
 * folder flush that then fails gives the usage back, leaving nothing of this commit booked.
 */
async function placeAndBook(
  core: VfsCore,
  actor: RequestActor<Principal>,
  loc: AreaLocation,
  temp: TempFile,
  inspection: CommitInspection,
  options: CommitTempOptions,
  trx: Knex.Transaction,
  serial: Serial,
): Promise<WriteResult> {
  const booked = await serial(async () => {
    const recorded = await core.owners.get(loc.key, trx);
    const before = Boolean(recorded) === Boolean(inspection.existing) ? inspection.existing : await core.backend.tryStat(loc.key);
    if (before?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', `${loc.path} is a folder`);
    if (before && !options.overwrite) throw new VfsError('ALREADY_EXISTS', `${loc.path} already exists`);
    // At the commit, not when the upload began: a lock taken meanwhile counts.
    await assertUnlocked(core, actor, loc, { parent: !before }, trx);
    const old = before ? recorded : undefined;
    const ownerId = ownerAfterCommit(loc, actor, options, old, Boolean(before));
    const replaced = old && !old.isDir ? old.size : 0;
    await core.ledger.assertGrowthFits(trx, subjectOf(loc, ownerId), temp.size - replaced, options.reservationId, loc.key);
    const charged = commitDeltas(loc, ownerId, temp.size, old);
    await core.ledger.applyUsage(trx, charged);
    if (options.reservationId) await core.ledger.release(options.reservationId, trx);
    return { created: !before, ownerId, charged };
  });
  let raw: RawStat;
  try {
    raw = await core.backend.placeTemp(temp.tempPath, loc.key, inspection, { replace: options.overwrite });
    await core.folderSyncs.sync(parentKey(loc.key));
  } catch (err) {
    const refund = booked.charged.map((d) => ({ ...d, bytes: -d.bytes, files: -d.files }));
    await serial(() => core.ledger.applyUsage(trx, refund));
    throw err;
  }
  await serial(async () => {
    await core.owners.upsert(trx, { key: loc.key, ownerId: booked.ownerId, isDir: false, size: temp.size, sha256: temp.sha256 });
    await auditFile(core, actor, booked.created ? 'file.create' : 'file.overwrite', loc.path, { key: loc.key, bytes: temp.size, sha256: temp.sha256 }, trx);
  });
  return { stat: toEntry(loc.path, raw, booked.ownerId), created: booked.created };
}

/** Who owns the file after a commit: its recorded owner, else the one asked for, else the place's rule. */
function ownerAfterCommit(loc: AreaLocation, actor: RequestActor<Principal>, options: CommitTempOptions, recorded: OwnerRecord | undefined, exists: boolean): number {
  return recorded?.ownerId ?? options.ownerId ?? (exists ? fallbackOwner(loc) : defaultOwner(loc, actor.principal));
}

/**
 * The one upload pipeline, shared by every protocol: permission → reservation of the announced size
 * (none for a small write without limits: see UNRESERVED_WRITE_BYTES) →
 * a stream that counts bytes and grows the reservation as needed (QUOTA_EXCEEDED past what is
 * available) → fsynced temp file → atomic commit. Nothing is left behind on failure.
 */
export async function writeFile(core: VfsCore, actor: RequestActor<Principal>, loc0: AreaLocation, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
  const loc = requireInside(loc0, 'written');
  const overwrite = options.overwrite ?? true;
  const expected = options.expectedSize;
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new VfsError('VALIDATION', 'the announced size must be a whole number of bytes');
  }
  const plan = await assertMayWriteFile(core, actor, loc, overwrite);
  const subject = subjectOf(loc, plan.ownerId);
  const upfront = Math.max(0, (expected ?? 0) - plan.credit);
  const unreserved = expected !== undefined && expected <= UNRESERVED_WRITE_BYTES && !(await core.ledger.isLimited(subject));
  let reservationId: string | undefined;
  let reserved = 0;
  if (!unreserved) {
    reservationId = await core.ledger.reserve(subject, upfront, { kind: 'write', targetKey: loc.key });
    reserved = upfront;
  }
  const reserveUpTo = async (bytes: number) => {
    if (reservationId) await core.ledger.grow(reservationId, bytes);
    else reservationId = await core.ledger.reserve(subject, bytes, { kind: 'write', targetKey: loc.key });
    reserved = bytes;
  };
  const guard = async (total: number) => {
    const needed = total - plan.credit;
    if (needed <= reserved || (!reservationId && total <= UNRESERVED_WRITE_BYTES)) return;
    const target = Math.max(needed, reserved + GROW_STEP);
    try {
      await reserveUpTo(target);
    } catch (err) {
      if (target === needed || !(err instanceof VfsError && err.code === 'QUOTA_EXCEEDED')) throw err;
      await reserveUpTo(needed);
    }
  };
  const arrived = expected !== undefined && expected <= UNRESERVED_WRITE_BYTES ? core.commits.expect() : undefined;
  let temp: TempFile;
  try {
    temp = await core.backend.writeTemp(source, guard, expected);
  } catch (err) {
    arrived?.();
    if (reservationId) await core.ledger.release(reservationId);
    throw err;
  }
  return commitTemp(core, actor, loc, temp, { reservationId, overwrite, mtimeMs: options.mtimeMs, arrived });
}
