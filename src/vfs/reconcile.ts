import type { VfsCore } from './core.js';
import type { OwnerRecord } from './owners.js';

/** One usage counter that was wrong, and what it is now. */
export interface UsageDrift {
  scope: 'user' | 'share';
  subjectId: number;
  before: { bytes: number; files: number };
  after: { bytes: number; files: number };
}

/** What a reconcile run found and fixed. */
export interface ReconcileReport {
  /** Entries on disk without an owner record (written through SMB, restored from backup…). */
  added: number;
  /** Owner records whose file or folder vanished from disk. */
  removed: number;
  /** Records whose size no longer matched the disk. */
  resized: number;
  usage: UsageDrift[];
  startedAt: number;
  finishedAt: number;
}

export interface ReconcileOptions {
  /**
   * Who owns an entry found on disk without a record (e.g. the Unix owner of a file written
   * through Samba); undefined falls back to the home's user or the share's owner.
   */
  ownerOfNew?: (key: string) => Promise<number | undefined>;
}

/**
 * Recomputes ownership and usage from the disk, the source of truth: files that appeared by
 * other means go to the home's user or the share's owner, vanished ones are dropped, sizes are
 * refreshed, properties of vanished resources dropped, then every usage counter is recomputed
 * from the records (file sizes plus dead property bytes). Returns the drift it fixed.
 * It may run while serving; a write committed during the run can leave a small drift that the
 * next run repairs.
 */
export async function reconcileStorage(core: VfsCore, now: () => number = Date.now, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { added: 0, removed: 0, resized: 0, usage: [], startedAt: now(), finishedAt: 0 };
  const areas: Array<{ key: string; ownerId: number; shareId: number | null }> = [];
  for (const u of await core.dir.users()) areas.push({ key: `homes/${u.username}`, ownerId: u.id, shareId: null });
  const shares = await core.dir.shares();
  for (const s of shares) areas.push({ key: `shares/${s.name}`, ownerId: s.ownerId, shareId: s.id });

  for (const area of areas) {
    if (!(await core.backend.tryStat(area.key))) continue;
    const onDisk = new Map<string, { isDir: boolean; size: number }>();
    for await (const e of core.backend.walk(area.key)) onDisk.set(e.key, { isDir: e.stat.type === 'directory', size: e.stat.size });
    const recorded = new Map((await core.owners.area(area.key)).map((r) => [r.key, r]));
    const upserts: OwnerRecord[] = [];
    const gone: string[] = [];
    for (const [key, disk] of onDisk) {
      const rec = recorded.get(key);
      const size = disk.isDir ? 0 : disk.size;
      if (!rec) {
        // In a home every entry is the home user's, whoever the hook names.
        const named = await options.ownerOfNew?.(key);
        const ownerId = (area.shareId !== null && named) || area.ownerId;
        upserts.push({ key, ownerId, isDir: disk.isDir, size, sha256: null });
        report.added += 1;
      } else if (rec.isDir !== disk.isDir || rec.size !== size) {
        upserts.push({ ...rec, isDir: disk.isDir, size, sha256: rec.size === size ? rec.sha256 : null, hashes: null });
        report.resized += 1;
      }
    }
    for (const key of recorded.keys()) if (!onDisk.has(key)) gone.push(key);
    report.removed += gone.length;
    // Properties of resources that vanished from disk go too (the area root is never walked, and stays).
    const goneProps = (await core.props.keysIn(area.key)).filter((key) => key !== area.key && !onDisk.has(key));
    if (upserts.length || gone.length || goneProps.length) {
      await core.knex.transaction(async (trx) => {
        await core.owners.insertMany(trx, upserts);
        await core.owners.deleteKeys(trx, gone);
        await core.props.deleteKeys(trx, goneProps);
      });
    }
  }

  const byOwner = await core.owners.totalsByOwner();
  // Dead property bytes count for the resource's owner (the area's owner without a record) and in the share.
  const areaOwner = new Map(areas.map((a) => [a.key, a.ownerId]));
  const propsByOwner = new Map<number, number>();
  const propsByArea = new Map<string, number>();
  for (const p of await core.props.bytesByAreaAndOwner()) {
    const owner = p.ownerId ?? areaOwner.get(p.area);
    if (owner !== undefined) propsByOwner.set(owner, (propsByOwner.get(owner) ?? 0) + p.bytes);
    propsByArea.set(p.area, (propsByArea.get(p.area) ?? 0) + p.bytes);
  }
  const withProps = (t: { bytes: number; files: number }, propBytes = 0) => ({ bytes: t.bytes + propBytes, files: t.files });
  const targets: Array<{ scope: 'user' | 'share'; subjectId: number; after: { bytes: number; files: number } }> = [];
  for (const u of await core.dir.users()) targets.push({ scope: 'user', subjectId: u.id, after: withProps(byOwner.get(u.id) ?? { bytes: 0, files: 0 }, propsByOwner.get(u.id)) });
  for (const s of shares) {
    const area = `shares/${s.name}`;
    targets.push({ scope: 'share', subjectId: s.id, after: withProps(await core.owners.areaTotals(area), propsByArea.get(area)) });
  }
  await core.knex.transaction(async (trx) => {
    for (const t of targets) {
      const row = await trx('storage_usage').select('bytes', 'files').where({ scope: t.scope, subject_id: t.subjectId }).first();
      const before = { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
      if (before.bytes === t.after.bytes && before.files === t.after.files) continue;
      await core.ledger.setUsage(trx, t.scope, t.subjectId, t.after.bytes, t.after.files);
      report.usage.push({ scope: t.scope, subjectId: t.subjectId, before, after: t.after });
    }
  });
  report.finishedAt = now();
  return report;
}
