import type { Readable, Writable } from 'node:stream';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/**
 * One entry of the virtual namespace. Virtual paths are absolute, normalized, NFC-preserving
 * strings such as `/`, `/home/docs/a.txt`, `/media/film.mkv` (share `media`), `/homes/alice/x`.
 */
export interface EntryStat {
  /** Normalized virtual path (no trailing slash except `/`). */
  path: string;
  /** Last segment ('' for `/`). */
  name: string;
  type: 'file' | 'directory';
  /** Bytes (0 for directories). */
  size: number;
  mtimeMs: number;
  /** Creation time where the filesystem knows it, else mtime. */
  birthtimeMs: number;
  /** Owner's user id; null for virtual folders and unknown owners. */
  ownerId: number | null;
  /** Strong validator for files (size + mtime + inode based), weak-safe for folders. */
  etag: string;
  /** `/`, `/home`, `/homes`, `/<share>`, `/homes/<user>`: namespace folders that cannot be moved or deleted. */
  virtual: boolean;
}

/** Inclusive byte range as in HTTP Range (both ends resolved by the caller). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface WriteOptions {
  /** Bytes the client announced (Content-Length, Upload-Length, X-Expected-Entity-Length); reserved up front. */
  expectedSize?: number;
  /** false → ALREADY_EXISTS when the target exists. Default true. */
  overwrite?: boolean;
  /** Set the committed file's mtime (rclone's X-OC-Mtime, Windows' Win32LastModifiedTime). */
  mtimeMs?: number;
}

export interface WriteResult {
  stat: EntryStat;
  /** true when the target did not exist before (WebDAV 201 vs 204). */
  created: boolean;
}

/** MD5 and SHA-1 of a file's content, lowercase hex. */
export interface ContentHashes {
  md5: string;
  sha1: string;
}

/**
 * Hashes of one folder's members, asked a listing batch at a time (see Vfs.memberHashes): the
 * files among `batch` by path, as Vfs.contentHashes answers.
 */
export type MemberHashes = (batch: ReadonlyArray<Pick<EntryStat, 'path' | 'type' | 'etag'>>) => Promise<Map<string, ContentHashes>>;

/** A dead (client-set) property: namespace URI, local name and the value as an XML fragment. */
export interface DeadProperty {
  ns: string;
  name: string;
  /** Inner XML of the property element, exactly as the client sent it (namespaces declared inline). */
  xml: string;
}

export interface PropertyPatch {
  set: DeadProperty[];
  remove: Array<{ ns: string; name: string }>;
}

export interface QuotaInfo {
  usedBytes: number;
  /** null = unlimited. */
  limitBytes: number | null;
  /** Bytes the actor may still write at this path (user quota, share limit and free disk, whichever is least). */
  availableBytes: number;
}

/**
 * A whole file opened for sending (Vfs.openWhole, LocalBackend.openWhole): its bytes when
 * small, else `send`, which writes it to a response, ends it and closes the file (and must be
 * called).
 */
export type WholeFile<S> = { stat: S; data: Buffer; send?: undefined } | { stat: S; send: (out: Writable) => Promise<void>; data?: undefined };
/** What sending a whole file needs to know of it: a download has no use for the owner, so none is looked up. */
export type SendStat = Omit<EntryStat, 'ownerId'>;
export type OpenedFile = WholeFile<SendStat>;

/**
 * The one gate to storage. Every protocol calls only this. Errors are VfsError with codes from
 * src/lib/errors.ts: NOT_FOUND, ALREADY_EXISTS, PARENT_MISSING, NOT_A_DIRECTORY, IS_A_DIRECTORY,
 * FORBIDDEN, QUOTA_EXCEEDED, VALIDATION (bad path/name), CONFLICT, UNSUPPORTED.
 * Paths given to it are raw client paths below the protocol prefix (already percent-decoded once
 * by the protocol); the VFS normalizes and jails them itself.
 */
export interface Vfs {
  stat(actor: RequestActor<Principal>, path: string): Promise<EntryStat>;
  /** Children of a directory, owners included, with no per-entry database query. */
  list(actor: RequestActor<Principal>, path: string): Promise<EntryStat[]>;
  /**
   * list() a batch at a time, for a folder too big to hold whole (a PROPFIND of 100,000 files):
   * errors about the folder itself come with the first batch.
   */
  listInBatches(actor: RequestActor<Principal>, path: string): AsyncIterable<EntryStat[]>;
  /** Streams a file (or a byte range of it). */
  openRead(actor: RequestActor<Principal>, path: string, range?: ByteRange): Promise<{ stat: EntryStat; stream: Readable }>;
  /**
   * Opens a whole file for sending: one of at most `inlineUpTo` bytes comes read at once
   * (`data`), a bigger one as `send`, which writes it to a response and must be called.
   */
  openWhole(actor: RequestActor<Principal>, path: string, inlineUpTo: number): Promise<OpenedFile>;
  /**
   * Streams `source` into a temp file, enforcing quota as bytes arrive, then fsyncs and renames it
   * over the target atomically. On any failure nothing is left behind and no quota stays reserved.
   */
  write(actor: RequestActor<Principal>, path: string, source: Readable, options?: WriteOptions): Promise<WriteResult>;
  mkdir(actor: RequestActor<Principal>, path: string): Promise<EntryStat>;
  /** Deletes a file or a whole tree (with its dead properties). */
  remove(actor: RequestActor<Principal>, path: string): Promise<void>;
  move(actor: RequestActor<Principal>, from: string, to: string, options: { overwrite: boolean }): Promise<{ created: boolean }>;
  /** depth 0 copies a folder without its members. */
  copy(actor: RequestActor<Principal>, from: string, to: string, options: { overwrite: boolean; depth: 0 | 'infinity' }): Promise<{ created: boolean }>;
  setMtime(actor: RequestActor<Principal>, path: string, mtimeMs: number): Promise<void>;
  /** Throws FORBIDDEN unless the actor could create or change something at `path`. */
  assertWritable(actor: RequestActor<Principal>, path: string): Promise<void>;
  /**
   * Throws FORBIDDEN unless the actor may take a WebDAV lock on the existing `path`. A lock stops
   * everybody else from changing what it covers, so it needs the right to change all of it: the
   * entry (its owner or `full` access), with depth infinity everything below it too; an area root
   * only its home's user, or in a share `full` access (its owner, an administrator, a full ACL).
   */
  assertMayLock(actor: RequestActor<Principal>, path: string, depth: '0' | 'infinity'): Promise<void>;
  quota(actor: RequestActor<Principal>, path: string): Promise<QuotaInfo>;
  /**
   * A stable key for the storage location behind a virtual path, the same for every user who
   * reaches it (alice's `/home/x` and an admin's `/homes/alice/x`). WebDAV locks are keyed by it.
   */
  storageKey(actor: RequestActor<Principal>, path: string): Promise<string>;
  getProperties(actor: RequestActor<Principal>, path: string): Promise<DeadProperty[]>;
  /**
   * Dead properties of every member of a directory in one query (WebDAV PROPFIND Depth 1
   * allprop on a large folder must not query per entry), keyed by member name; members without
   * properties may be absent from the map.
   */
  listChildProperties(actor: RequestActor<Principal>, path: string): Promise<Map<string, DeadProperty[]>>;
  /**
   * Applies all of a patch or none of it. Property bytes count in the resource owner's usage;
   * QUOTA_EXCEEDED when they do not fit the quota or a property/resource size cap
   * (`details.properties` names the properties at fault when it is a cap).
   */
  patchProperties(actor: RequestActor<Principal>, path: string, patch: PropertyPatch): Promise<void>;
  /**
   * MD5 and SHA-1 of the files among `entries` (as stat or list returned them in this request),
   * by path, for clients that compare files without downloading them. Cached ones come from one
   * query per folder; the others are read now, a few at a time in the process, and cached until
   * the file changes. Folders, and files gone or changed since their entry was read, are absent.
   */
  contentHashes(actor: RequestActor<Principal>, entries: ReadonlyArray<Pick<EntryStat, 'path' | 'type' | 'etag'>>): Promise<Map<string, ContentHashes>>;
  /**
   * contentHashes for the members of directory `path` as listInBatches returns them: the folder
   * is located once and its members' cached hashes read in one query, however many batches
   * follow (WebDAV PROPFIND Depth 1 on a large folder). Entries from elsewhere are absent.
   */
  memberHashes(actor: RequestActor<Principal>, path: string): Promise<MemberHashes>;
  /** Usernames of owners (ids from EntryStat.ownerId), in one query; ids of deleted users are absent. */
  ownerNames(ids: Iterable<number>): Promise<Map<number, string>>;
}
