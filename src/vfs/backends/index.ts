import { LocalBackend } from './local.js';
import { ReferenceBackend } from './reference.js';
import type { StorageBackend, StorageBackendKind } from './storage-backend.js';

export { commitTemp } from './storage-backend.js';
export type { ByteGuard, CommitInspection, FileHashes, KeyProbe, StorageBackend, StorageBackendKind, TempFile } from './storage-backend.js';
export type { RawStat } from './raw-stat.js';

/** Prepares the storage root's layout and opens the backend of the given kind on it. */
export function openStorageBackend(kind: StorageBackendKind, root: string, options: { instanceId?: string } = {}): Promise<StorageBackend> {
  return kind === 'reference' ? ReferenceBackend.create(root, options) : LocalBackend.create(root, options);
}
