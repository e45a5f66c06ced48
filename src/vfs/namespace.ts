import { VfsError } from '../lib/errors.js';
import type { Share, ShareAccess, StorageDirectory } from './directory.js';
import { normalizePath } from './path.js';
import type { Principal } from '../lib/request-actor.js';

/** A namespace folder that exists only virtually: `/` or the admin's `/homes`. */
export interface VirtualLocation {
  kind: 'virtual';
  path: string;
}

/** A location backed by storage: a home or a share, at its root or below. */
export interface AreaLocation {
  kind: 'area';
  /** Normalized virtual path as the actor named it. */
  path: string;
  /** Storage key of the area root (`homes/alice`, `shares/media`). */
  areaKey: string;
  /** Storage key of this location. */
  key: string;
  /** Virtual path of the area root as this actor sees it (`/home`, `/homes/alice`, `/media`). */
  areaPath: string;
  isAreaRoot: boolean;
  /** The home's user, or null in a share. */
  homeUserId: number | null;
  share: Share | null;
  /** The actor's effective access (home user and admins: full). */
  access: Exclude<ShareAccess, 'none'>;
  /** An administrator inside somebody else's home (audited). */
  adminInOtherHome: boolean;
}

export type Location = VirtualLocation | AreaLocation;

/** Names at the root that can never be shares. */
export const RESERVED_ROOT_NAMES = new Set(['home', 'homes']);

/** Admins and share owners have full access; everybody else has their ACL entry. */
export function effectiveAccess(share: Share, principal: Principal, acl: ShareAccess): ShareAccess {
  if (principal.isAdmin || share.ownerId === principal.userId) return 'full';
  return acl;
}

function notFound(path: string): never {
  throw new VfsError('NOT_FOUND', `no such file or folder: ${path}`);
}

/**
 * Maps a principal's virtual path onto storage: `/home/…` is their own home, `/homes/<user>/…`
 * (admins only) any home, `/<share>/…` a share they may read. Anything they may not see is
 * NOT_FOUND, so existence of other users' shares and homes is not revealed.
 */
export async function resolveLocation(dir: StorageDirectory, principal: Principal, rawPath: string): Promise<Location> {
  const { path, segments } = normalizePath(rawPath);
  if (segments.length === 0) return { kind: 'virtual', path };
  const [first, ...rest] = segments;
  const relOf = (from: string[]) => (from.length ? `/${from.join('/')}` : '');

  if (first === 'home') {
    const areaKey = `homes/${principal.username}`;
    return {
      kind: 'area', path, areaKey, key: areaKey + relOf(rest), areaPath: '/home', isAreaRoot: rest.length === 0,
      homeUserId: principal.userId, share: null, access: 'full', adminInOtherHome: false,
    };
  }
  if (first === 'homes') {
    if (!principal.isAdmin) notFound(path);
    if (rest.length === 0) return { kind: 'virtual', path };
    const [username, ...below] = rest;
    const user = await dir.userByName(username);
    if (!user) notFound(path);
    const areaKey = `homes/${user.username}`;
    return {
      kind: 'area', path, areaKey, key: areaKey + relOf(below), areaPath: `/homes/${user.username}`, isAreaRoot: below.length === 0,
      homeUserId: user.id, share: null, access: 'full', adminInOtherHome: user.id !== principal.userId,
    };
  }
  const share = await dir.shareByName(first);
  if (!share) notFound(path);
  const access = effectiveAccess(share, principal, principal.isAdmin ? 'full' : await dir.accessOf(share.id, principal.userId));
  if (access === 'none') notFound(path);
  const areaKey = `shares/${share.name}`;
  return {
    kind: 'area', path, areaKey, key: areaKey + relOf(rest), areaPath: `/${share.name}`, isAreaRoot: rest.length === 0,
    homeUserId: null, share, access, adminInOtherHome: false,
  };
}

/** Creating something needs write (or full) access. */
export function assertCanCreate(loc: AreaLocation): void {
  if (loc.access === 'read') throw new VfsError('FORBIDDEN', `you may only read in ${loc.areaPath}`);
}

/**
 * Changing or deleting needs ownership of every affected entry, `full` access or admin
 * (the home's user and admins have full access in a home).
 */
export function assertCanModify(loc: AreaLocation, principal: Principal, ownerIds: Iterable<number | null>): void {
  assertCanCreate(loc);
  if (loc.access === 'full') return;
  for (const owner of ownerIds) {
    if (owner !== principal.userId) throw new VfsError('FORBIDDEN', `only the owner or a user with full access may change ${loc.path}`);
  }
}

/** Who owns something new at this location: in a home its user, in a share the creator. */
export function defaultOwner(loc: AreaLocation, principal: Principal): number {
  return loc.homeUserId ?? principal.userId;
}

/** Owner of files found on disk without a record: the home's user or the share's owner. */
export function fallbackOwner(loc: AreaLocation): number {
  return loc.homeUserId ?? (loc.share as Share).ownerId;
}
