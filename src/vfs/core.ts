import type { Knex } from 'knex';
import { auditedBy, type AuditLog } from '../audit/index.js';
import { VfsError } from '../lib/errors.js';
import type { RawStat, StorageBackend } from './backends/index.js';
import type { StorageDirectory } from './directory.js';
import type { CommitBatcher } from './commit-batches.js';
import type { FolderSyncs } from './folder-syncs.js';
import type { DavLockStore } from './locks.js';
import { parentKey } from './keys.js';
import { resolveLocation, type AreaLocation, type Location } from './namespace.js';
import type { OwnerRepo } from './owners.js';
import { baseName } from './path.js';
import type { PropertyRepo } from './properties.js';
import type { QuotaLedger, QuotaSubject } from './quota.js';
import type { Principal, RequestActor, RequestProtocol } from '../lib/request-actor.js';
import type { EntryStat } from './types.js';

/** Everything the VFS operations share; built once by VfsService. */
export interface VfsCore {
  knex: Knex;
  backend: StorageBackend;
  dir: StorageDirectory;
  owners: OwnerRepo;
  props: PropertyRepo;
  ledger: QuotaLedger;
  /** Books finished writes, several in one transaction under load (commit-batches.ts). */
  commits: CommitBatcher;
  /** Folder flushes after renames, coalesced per folder (folder-syncs.ts). */
  folderSyncs: FolderSyncs;
  /** WebDAV locks, checked before every change whatever the protocol (lock-guard.ts). */
  locks: DavLockStore;
  audit: AuditLog;
  /**
   * Homes each actor has already been audited entering as an administrator. An actor object is
   * one operation (see RequestActor), so a zip of a large folder or a listing that stats first writes
   * one `home.admin_access` event, not one per call. Weak: it lives as long as the request.
   */
  adminVisits: WeakMap<RequestActor<Principal>, Set<string>>;
  /** Told of every committed upload (the bytes of the new file), e.g. for metrics; must not throw. */
  onCommitted?: (protocol: RequestProtocol, bytes: number) => void;
}

/** Strong validator from inode, size and mtime (changes whenever the content is replaced). */
export function etagOf(raw: RawStat): string {
  return `"${hex(raw.ino)}-${hex(raw.size)}-${hex(Math.round(raw.mtimeMs * 1000))}"`;
}

const LOW_BITS = 2 ** 24;

/**
 * A non-negative whole number in hex, as toString(16) writes it. Numbers past 2^31 (every mtime
 * in µs) take V8's slow path for a double in another radix; split in two small halves they
 * format several times faster, which a PROPFIND of a large folder does for every member.
 */
export function hex(n: number): string {
  if (n < LOW_BITS) return n.toString(16);
  const low = (n % LOW_BITS).toString(16);
  return Math.floor(n / LOW_BITS).toString(16) + '000000'.slice(low.length) + low;
}

export function toEntry(path: string, raw: RawStat, ownerId: number | null, virtual = false): EntryStat {
  return {
    path,
    name: baseName(path),
    type: raw.type,
    size: raw.type === 'file' ? raw.size : 0,
    mtimeMs: raw.mtimeMs,
    birthtimeMs: raw.birthtimeMs,
    ownerId,
    etag: etagOf(raw),
    virtual,
  };
}

/** Appends a file event to the audit log (inside the caller's transaction when given). */
export async function auditFile(core: VfsCore, actor: RequestActor<Principal>, action: string, target: string, details: Record<string, unknown>, db?: Knex.Transaction): Promise<void> {
  await core.audit.record({ ...auditedBy(actor), action, outcome: 'success', target, details }, db);
}

/**
 * Resolves a path and makes sure its area root exists on disk (homes are created on first use;
 * a share folder removed behind nasd's back is recreated empty). An admin entering somebody
 * else's home is audited once per operation (per actor object and home).
 */
export async function locate(core: VfsCore, actor: RequestActor<Principal>, rawPath: string): Promise<Location> {
  const loc = await resolveLocation(core.dir, actor.principal, rawPath);
  if (loc.kind === 'area') {
    await core.backend.ensureArea(loc.areaKey);
    if (loc.adminInOtherHome) await auditAdminAccess(core, actor, loc);
  }
  return loc;
}

/** Records an admin's entry into another user's home, the first time in this operation only. */
async function auditAdminAccess(core: VfsCore, actor: RequestActor<Principal>, loc: AreaLocation): Promise<void> {
  let seen = core.adminVisits.get(actor);
  if (!seen) core.adminVisits.set(actor, (seen = new Set()));
  if (seen.has(loc.areaKey)) return;
  // Marked before the write, so concurrent calls of one operation (a zip reading while it walks) do not log twice.
  seen.add(loc.areaKey);
  try {
    await auditFile(core, actor, 'home.admin_access', loc.path, { home: loc.areaKey });
  } catch (err) {
    seen.delete(loc.areaKey);
    throw err;
  }
}

/** A location that must be inside an area (not `/`, not `/homes`). */
export function requireArea(loc: Location, what: string): AreaLocation {
  if (loc.kind !== 'area') throw new VfsError('FORBIDDEN', `${loc.path} is a namespace folder and cannot be ${what}`);
  return loc;
}

/** Like requireArea, and also refuses area roots (`/home`, `/<share>`), which cannot be changed. */
export function requireInside(loc: Location, what: string): AreaLocation {
  const area = requireArea(loc, what);
  if (area.isAreaRoot) throw new VfsError('FORBIDDEN', `${loc.path} is a namespace folder and cannot be ${what}`);
  return area;
}

/** The parent folder of `loc` must exist and be a folder (PARENT_MISSING / NOT_A_DIRECTORY). */
export async function requireParentDir(core: VfsCore, loc: AreaLocation): Promise<void> {
  const parent = await core.backend.tryStat(parentKey(loc.key));
  if (!parent) throw new VfsError('PARENT_MISSING', `the parent folder of ${loc.path} does not exist`);
  if (parent.type !== 'directory') throw new VfsError('NOT_A_DIRECTORY', `the parent of ${loc.path} is a file`);
}

/** Quota subject for new bytes at a location owned by `ownerId`. */
export function subjectOf(loc: AreaLocation, ownerId: number | null): QuotaSubject {
  return { userId: ownerId, shareId: loc.share?.id ?? null };
}

/** The virtual path by which `principal` names a storage key (`homes/<self>/x` → `/home/x`). */
function virtualPathOf(key: string, principal: Principal): string | undefined {
  const [kind, area, ...rest] = key.split('/');
  if (area === undefined || area === '') return undefined;
  const below = rest.length ? `/${rest.join('/')}` : '';
  if (kind === 'homes') return (area === principal.username ? '/home' : `/homes/${area}`) + below;
  if (kind === 'shares') return `/${area}${below}`;
  return undefined;
}

/**
 * An error as its client may see it: a backend error naming a storage key (`details.storageKey`,
 * see backends/errors.ts) names the path the way the principal does instead, so messages never
 * reveal internal keys such as `homes/alice/link`.
 */
export function clientNamed(err: unknown, principal: Principal): unknown {
  if (!(err instanceof VfsError)) return err;
  const key = (err.details as { storageKey?: unknown } | undefined)?.storageKey;
  if (typeof key !== 'string') return err;
  const named = virtualPathOf(key, principal);
  if (named === undefined) return err;
  return new VfsError(err.code, err.message.split(key).join(named), { cause: err.cause ?? err, expose: err.expose });
}

/** Runs one VFS operation for `actor`, its errors named as the actor names paths (clientNamed). */
export async function asNamedBy<T>(actor: RequestActor<Principal>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw clientNamed(err, actor.principal);
  }
}
