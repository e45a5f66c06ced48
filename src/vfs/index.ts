export type {
  Actor,
  ByteRange,
  DeadProperty,
  EntryStat,
  OpenedFile,
  Principal,
  PropertyPatch,
  QuotaInfo,
  SendStat,
  Vfs,
  VfsProtocol,
  WriteOptions,
  WriteResult,
} from './types.js';
export { VfsService, type UserUsage } from './service.js';
export { LocalBackend } from './backends/local.js';
export { normalizePath, validateName, joinPath, parentPath, baseName, MAX_NAME_BYTES, MAX_PATH_BYTES, type VfsPath } from './path.js';
export type { Share, ShareAccess, StorageUser } from './directory.js';
export type { ReconcileOptions, ReconcileReport, UsageDrift } from './reconcile.js';
export { ShareService, SHARE_NAME, type AclEntry, type ShareInput, type SharePatch, type ShareView } from './shares.js';
export { UploadSessions, type UploadSession } from './uploads.js';
export { ancestorKeys, blockingLocks, coversKey, KnexDavLockStore, type AffectingOptions, type DavLock, type DavLockStore, type NewDavLock } from './locks.js';
export type { HomeRetirement, PendingRetirement, Reassignment, RetireOptions } from './retire.js';
