import type { Readable } from 'node:stream';
import { VfsError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { RawStat, StorageBackendKind } from './backends/index.js';
import { ContentHasher } from './content-hashes.js';
import { asNamedBy, auditFile, clientNamed, locate, requireArea, requireInside, requireParentDir, subjectOf, toEntry, type VfsCore } from './core.js';
import type { StorageUser } from './directory.js';
import { assertCanCreate, assertCanModify, defaultOwner, effectiveAccess, fallbackOwner, resolveLocation, type AreaLocation, type Location } from './namespace.js';
import type { InstanceRegistry } from './instances.js';
import { assertMayLockAt, assertUnlocked } from './lock-guard.js';
import type { DavLockStore } from './locks.js';
import { joinPath, validateName } from './path.js';
import type { UsageDelta } from './quota.js';
import { reconcileStorage, type ReconcileOptions, type ReconcileReport } from './reconcile.js';
import type { HomeRetirement } from './retire.js';
import { copyEntry, moveEntry, removeEntry } from './tree.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { ByteRange, ContentHashes, DeadProperty, EntryStat, MemberHashes, OpenedFile, PropertyPatch, QuotaInfo, Vfs, WriteOptions, WriteResult } from './types.js';
import { writeFile } from './write.js';

/** A user's storage usage as reported to administrators and to the user. */
export interface UserUsage {
  userId: number;
  username: string;
  usedBytes: number;
  files: number;
  reservedBytes: number;
  quotaBytes: number | null;
}

const EMPTY_DIR: RawStat = { type: 'directory', size: 0, mtimeMs: 0, birthtimeMs: 0, ino: 0 };

function isValidName(name: string): boolean {
  try {
    validateName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The VFS: namespace, permissions, ownership, quota and audit around the local backend. Every
 * protocol goes through it (docs/architecture.md, "Storage"); its errors are VfsErrors for each edge
 * to map. `start()` must run once before use and `close()` once at shutdown.
 */
export class VfsService implements Vfs {
  /** This process among the nasd processes sharing the database (its id is the backend's). */
  readonly instance: InstanceRegistry;
  /** The storage side of deleting a user (their home retired, their rows dropped or reassigned). */
  readonly retirement: HomeRetirement;
  /** WebDAV locks: created and listed by the WebDAV edge, enforced here for every protocol. */
  readonly locks: DavLockStore;
  private readonly logger?: Logger;
  /** Hashes file content on request, a few files at a time for the whole process. */
  private readonly hasher: ContentHasher;

  /** Built by createVfs, which owns the core. */
  constructor(
    private readonly core: VfsCore,
    parts: { instance: InstanceRegistry; retirement: HomeRetirement; logger?: Logger },
  ) {
    this.instance = parts.instance;
    this.retirement = parts.retirement;
    this.locks = core.locks;
    this.logger = parts.logger;
    this.hasher = new ContentHasher(core);
  }

  /** Which storage backend runs (`fast` or `reference`). */
  get backendKind(): StorageBackendKind {
    return this.core.backend.kind;
  }

  /**
   * Registers this process's heartbeat, reclaims the leftovers of dead processes and keeps
   * doing so on every heartbeat. Several processes may share one database and storage root:
   * only temp files and write reservations of processes found dead are dropped. Throws when a
   * live process on the same database runs with other keys (InstanceRegistry.join).
   */
  async start(): Promise<{ tempFiles: number; reservations: number }> {
    await this.instance.join();
    const recovered = await this.reclaim();
    this.instance.startHeartbeat(
      async () => {
        const again = await this.reclaim();
        if (again.tempFiles || again.reservations) this.logger?.warn(again, 'storage: reclaimed leftovers of a stopped nasd process');
      },
      (err) => this.logger?.error({ err }, 'storage: heartbeat failed'),
    );
    return recovered;
  }

  /**
   * Drops the temp files and write reservations of processes that are no longer alive, and
   * finishes the user deletions they left half done (logged, see HomeRetirement.recover).
   */
  async reclaim(): Promise<{ tempFiles: number; reservations: number }> {
    // liveIds (called by clearTemp) deletes the heartbeat rows of dead processes, which is
    // what makes their reservations orphaned for dropOrphanedWrites.
    const tempFiles = await this.core.backend.clearTemp(() => this.instance.liveIds());
    const reservations = await this.core.ledger.dropOrphanedWrites();
    const homes = await this.retirement.recover(() => this.instance.liveIds());
    if (homes.restored || homes.retired) this.logger?.warn(homes, 'storage: finished user deletions interrupted by a crash');
    return { tempFiles, reservations };
  }

  /** Clean shutdown: the heartbeat row goes (call before closing the database), the storage workers stop. */
  async close(): Promise<void> {
    await this.instance.stop();
    await this.core.backend.close();
  }

  async stat(actor: RequestActor<Principal>, path: string): Promise<EntryStat> {
    return asNamedBy(actor, async () => {
      const loc = await locate(this.core, actor, path);
      return this.statAt(loc);
    });
  }

  private async statAt(loc: Location): Promise<EntryStat> {
    if (loc.kind === 'virtual') return toEntry(loc.path, (await this.core.backend.tryStat('homes')) ?? EMPTY_DIR, null, true);
    const raw = await this.core.backend.stat(loc.key);
    if (loc.isAreaRoot) return toEntry(loc.path, raw, loc.homeUserId ?? loc.share?.ownerId ?? null, true);
    const rec = await this.core.owners.get(loc.key);
    return toEntry(loc.path, raw, rec?.ownerId ?? fallbackOwner(loc));
  }

  async list(actor: RequestActor<Principal>, path: string): Promise<EntryStat[]> {
    const out: EntryStat[] = [];
    for await (const batch of this.listInBatches(actor, path)) out.push(...batch);
    return out;
  }

  async *listInBatches(actor: RequestActor<Principal>, path: string): AsyncGenerator<EntryStat[]> {
    try {
      yield* this.batchesOf(actor, path);
    } catch (err) {
      throw clientNamed(err, actor.principal);
    }
  }

  private async *batchesOf(actor: RequestActor<Principal>, path: string): AsyncGenerator<EntryStat[]> {
    const loc = await locate(this.core, actor, path);
    if (loc.kind === 'virtual') {
      yield loc.path === '/' ? await this.listRoot(actor) : await this.listHomes();
      return;
    }
    const raw = await this.core.backend.stat(loc.key);
    if (raw.type !== 'directory') throw new VfsError('NOT_A_DIRECTORY', `${loc.path} is a file`);
    // The owners are read while the folder is: one query for all children, no per-entry lookup.
    const batches = this.core.backend.listInBatches(loc.key)[Symbol.asyncIterator]();
    const [owners, first] = await Promise.all([this.core.owners.childOwners(loc.key), batches.next()]);
    const fallback = fallbackOwner(loc);
    for (let batch = first; !batch.done; batch = await batches.next()) {
      yield batch.value.filter((c) => isValidName(c.name)).map((c) => toEntry(joinPath(loc.path, c.name), c.stat, owners.get(c.name) ?? fallback));
    }
  }

  private async listRoot(actor: RequestActor<Principal>): Promise<EntryStat[]> {
    const { principal } = actor;
    const out: EntryStat[] = [await this.stat(actor, '/home')];
    if (principal.isAdmin) out.push(toEntry('/homes', (await this.core.backend.tryStat('homes')) ?? EMPTY_DIR, null, true));
    const acl = principal.isAdmin ? new Map() : await this.core.dir.accessMap(principal.userId);
    for (const share of await this.core.dir.shares()) {
      if (effectiveAccess(share, principal, acl.get(share.id) ?? 'none') === 'none') continue;
      const raw = (await this.core.backend.tryStat(`shares/${share.name}`)) ?? EMPTY_DIR;
      out.push(toEntry(`/${share.name}`, raw, share.ownerId, true));
    }
    return out;
  }

  private async listHomes(): Promise<EntryStat[]> {
    const users = await this.core.dir.users();
    return Promise.all(
      users.map(async (u) => toEntry(`/homes/${u.username}`, (await this.core.backend.tryStat(`homes/${u.username}`)) ?? EMPTY_DIR, u.id, true)),
    );
  }

  async openRead(actor: RequestActor<Principal>, path: string, range?: ByteRange): Promise<{ stat: EntryStat; stream: Readable }> {
    return asNamedBy(actor, async () => {
      if (range && (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0 || range.end < range.start)) {
        throw new VfsError('VALIDATION', 'invalid byte range');
      }
      const loc = requireArea(await locate(this.core, actor, path), 'read as a file');
      const { stat: raw, stream } = await this.core.backend.openRead(loc.key, range);
      const rec = await this.core.owners.get(loc.key);
      return { stat: toEntry(loc.path, raw, rec?.ownerId ?? fallbackOwner(loc)), stream };
    });
  }

  async openWhole(actor: RequestActor<Principal>, path: string, inlineUpTo: number): Promise<OpenedFile> {
    return asNamedBy(actor, async () => {
      const loc = requireArea(await locate(this.core, actor, path), 'read as a file');
      const opened = await this.core.backend.openWhole(loc.key, inlineUpTo);
      const { ownerId: _unused, ...stat } = toEntry(loc.path, opened.stat, null);
      return opened.data ? { stat, data: opened.data } : { stat, send: opened.send };
    });
  }

  async write(actor: RequestActor<Principal>, path: string, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
    return asNamedBy(actor, async () => {
      const loc = await locate(this.core, actor, path);
      return writeFile(this.core, actor, requireArea(loc, 'written'), source, options);
    });
  }

  async mkdir(actor: RequestActor<Principal>, path: string): Promise<EntryStat> {
    return asNamedBy(actor, async () => {
      const loc = requireInside(await locate(this.core, actor, path), 'created');
      await requireParentDir(this.core, loc);
      if (await this.core.backend.tryStat(loc.key)) throw new VfsError('ALREADY_EXISTS', `${loc.path} already exists`);
      assertCanCreate(loc);
      await assertUnlocked(this.core, actor, loc, { parent: true });
      const ownerId = defaultOwner(loc, actor.principal);
      return this.core.knex.transaction(async (trx) => {
        const raw = await this.core.backend.mkdir(loc.key);
        await this.core.owners.upsert(trx, { key: loc.key, ownerId, isDir: true, size: 0, sha256: null });
        await auditFile(this.core, actor, 'file.mkdir', loc.path, { key: loc.key }, trx);
        return toEntry(loc.path, raw, ownerId);
      });
    });
  }

  async remove(actor: RequestActor<Principal>, path: string): Promise<void> {
    return asNamedBy(actor, async () => {
      const loc = requireArea(await locate(this.core, actor, path), 'deleted');
      await removeEntry(this.core, actor, loc);
    });
  }

  async move(actor: RequestActor<Principal>, from: string, to: string, options: { overwrite: boolean }): Promise<{ created: boolean }> {
    return asNamedBy(actor, async () => {
      const [src, dst] = await this.twoAreas(actor, from, to, 'moved');
      return moveEntry(this.core, actor, src, dst, options.overwrite);
    });
  }

  async copy(actor: RequestActor<Principal>, from: string, to: string, options: { overwrite: boolean; depth: 0 | 'infinity' }): Promise<{ created: boolean }> {
    return asNamedBy(actor, async () => {
      const [src, dst] = await this.twoAreas(actor, from, to, 'copied');
      return copyEntry(this.core, actor, src, dst, options);
    });
  }

  private async twoAreas(actor: RequestActor<Principal>, from: string, to: string, what: string): Promise<[AreaLocation, AreaLocation]> {
    const src = requireArea(await locate(this.core, actor, from), what);
    const dst = requireArea(await locate(this.core, actor, to), 'replaced');
    return [src, dst];
  }

  async setMtime(actor: RequestActor<Principal>, path: string, mtimeMs: number): Promise<void> {
    return asNamedBy(actor, async () => {
      const loc = requireInside(await locate(this.core, actor, path), 'changed');
      if (!Number.isFinite(mtimeMs) || mtimeMs < 0) throw new VfsError('VALIDATION', 'invalid modification time');
      await this.assertModifiable(actor, loc);
      await assertUnlocked(this.core, actor, loc);
      await this.core.backend.setMtime(loc.key, mtimeMs);
    });
  }

  private async assertModifiable(actor: RequestActor<Principal>, loc: AreaLocation): Promise<void> {
    await this.core.backend.stat(loc.key);
    const rec = await this.core.owners.get(loc.key);
    assertCanModify(loc, actor.principal, [rec?.ownerId ?? fallbackOwner(loc)]);
  }

  async assertWritable(actor: RequestActor<Principal>, path: string): Promise<void> {
    return asNamedBy(actor, async () => {
      const loc = requireArea(await locate(this.core, actor, path), 'changed');
      if (loc.isAreaRoot || !(await this.core.backend.tryStat(loc.key))) assertCanCreate(loc);
      else await this.assertModifiable(actor, loc);
    });
  }

  async assertMayLock(actor: RequestActor<Principal>, path: string, depth: '0' | 'infinity'): Promise<void> {
    await assertMayLockAt(this.core, actor, requireArea(await locate(this.core, actor, path), 'locked'), depth);
  }

  async quota(actor: RequestActor<Principal>, path: string): Promise<QuotaInfo> {
    const loc = await locate(this.core, actor, path);
    const subject = loc.kind === 'area' ? subjectOf(loc, defaultOwner(loc, actor.principal)) : { userId: actor.principal.userId, shareId: null };
    const avail = await this.core.ledger.availability(subject);
    return { usedBytes: avail.usedBytes, limitBytes: avail.limitBytes, availableBytes: avail.availableBytes };
  }

  async storageKey(actor: RequestActor<Principal>, path: string): Promise<string> {
    // Only the name is needed: no disk access (a WebDAV write asks for it before every PUT).
    const loc = await resolveLocation(this.core.dir, actor.principal, path);
    return loc.kind === 'area' ? loc.key : `virtual:${loc.path}`;
  }

  async getProperties(actor: RequestActor<Principal>, path: string): Promise<DeadProperty[]> {
    return asNamedBy(actor, async () => {
      const loc = await locate(this.core, actor, path);
      if (loc.kind === 'virtual') return [];
      await this.core.backend.stat(loc.key);
      return this.core.props.get(loc.key);
    });
  }

  async listChildProperties(actor: RequestActor<Principal>, path: string): Promise<Map<string, DeadProperty[]>> {
    return asNamedBy(actor, async () => {
      const loc = await locate(this.core, actor, path);
      if (loc.kind === 'virtual') return new Map();
      return this.core.props.children(loc.key);
    });
  }

  async patchProperties(actor: RequestActor<Principal>, path: string, patch: PropertyPatch): Promise<void> {
    return asNamedBy(actor, async () => {
      const loc = requireArea(await locate(this.core, actor, path), 'changed');
      if (loc.isAreaRoot) assertCanCreate(loc);
      else await this.assertModifiable(actor, loc);
      await assertUnlocked(this.core, actor, loc);
      await this.core.knex.transaction(async (trx) => {
        // Property bytes are the resource owner's, like its content: locked, checked and counted as a write would be.
        const ownerId = loc.isAreaRoot ? fallbackOwner(loc) : ((await this.core.owners.get(loc.key, trx))?.ownerId ?? fallbackOwner(loc));
        const subject = subjectOf(loc, ownerId);
        await this.core.ledger.lockSubject(trx, subject);
        const growth = await this.core.props.patch(trx, loc.key, patch);
        await this.core.ledger.assertGrowthFits(trx, subject, growth);
        const deltas: UsageDelta[] = [{ scope: 'user', subjectId: ownerId, bytes: growth, files: 0 }];
        if (loc.share) deltas.push({ scope: 'share', subjectId: loc.share.id, bytes: growth, files: 0 });
        await this.core.ledger.applyUsage(trx, deltas);
      });
    });
  }

  /** Recomputes ownership and usage from disk (scheduled job, SMB catch-up); returns the drift it fixed. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport> {
    return reconcileStorage(this.core, Date.now, options);
  }

  /** Usage counters of a user (bytes they own anywhere) and what they have reserved. */
  async userUsage(userId: number): Promise<{ bytes: number; files: number; reservedBytes: number }> {
    const usage = await this.core.ledger.usage('user', userId);
    return { ...usage, reservedBytes: await this.core.ledger.reservedBy(userId) };
  }

  /** Usage and quota of one user (undefined when there is no such user). */
  async usageReport(userId: number): Promise<UserUsage | undefined> {
    const user = await this.core.dir.userById(userId);
    return user && this.usageOf(user);
  }

  /** Usage and quota of every user. */
  async usageReports(): Promise<UserUsage[]> {
    return Promise.all((await this.core.dir.users()).map((u) => this.usageOf(u)));
  }

  private async usageOf(u: StorageUser): Promise<UserUsage> {
    const usage = await this.userUsage(u.id);
    return { userId: u.id, username: u.username, usedBytes: usage.bytes, files: usage.files, reservedBytes: usage.reservedBytes, quotaBytes: u.quotaBytes };
  }

  async contentHashes(actor: RequestActor<Principal>, entries: ReadonlyArray<Pick<EntryStat, 'path' | 'type' | 'etag'>>): Promise<Map<string, ContentHashes>> {
    return asNamedBy(actor, () => this.hasher.hashesOf(actor, entries));
  }

  async memberHashes(actor: RequestActor<Principal>, path: string): Promise<MemberHashes> {
    const of = await asNamedBy(actor, () => this.hasher.membersOf(actor, path));
    return (batch) => asNamedBy(actor, () => of(batch));
  }

  /** Usernames of owners (ids from EntryStat.ownerId); ids of deleted users are absent. */
  ownerNames(ids: Iterable<number>): Promise<Map<number, string>> {
    return this.core.dir.usernames([...new Set(ids)]);
  }

  /** Usage counters of a share (bytes stored in it, whoever owns them). */
  async shareUsage(shareId: number): Promise<{ bytes: number; files: number }> {
    return this.core.ledger.usage('share', shareId);
  }
}
