export type {
  ByteRange,
  ContentHashes,
  DeadProperty,
  EntryStat,
  MemberHashes,
  OpenedFile,
  PropertyPatch,
  QuotaInfo,
  SendStat,
  Vfs,
  WriteOptions,
  WriteResult,
} from './types.js';
export { createVfs, type Storage, type VfsDeps } from './create.js';
export type { StorageBackendKind } from './backends/index.js';
export type { VfsService, UserUsage } from './service.js';
export { normalizePath, validateName, joinPath, parentPath, baseName, MAX_NAME_BYTES, MAX_PATH_BYTES, type VfsPath } from './path.js';
export type { Share, ShareAccess, StorageUser } from './directory.js';
export type { ReconcileOptions, ReconcileReport, UsageDrift } from './reconcile.js';
export { SHARE_NAME, type AclEntry, type ShareInput, type SharePatch, type ShareService, type ShareView } from './shares.js';
export { UploadSessions, type UploadSession } from './uploads.js';
export { ancestorKeys, blockingLocks, coversKey, KnexDavLockStore, type AffectingOptions, type DavLock, type DavLockStore, type NewDavLock } from './locks.js';
export type { HomeRetirement, PendingRetirement, Reassignment, RetireOptions } from './retire.js';
