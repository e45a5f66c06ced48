import type { Knex } from 'knex';
import type { AuditLog } from '../audit/index.js';
import type { Logger } from '../lib/log.js';
import { openStorageBackend, type StorageBackendKind } from './backends/index.js';
import { RetiredHomes } from './backends/retired-homes.js';
import type { VfsCore } from './core.js';
import { StorageDirectory } from './directory.js';
import { InstanceRegistry } from './instances.js';
import { KnexDavLockStore } from './locks.js';
import { OwnerRepo } from './owners.js';
import { PropertyRepo } from './properties.js';
import { CommitBatcher } from './commit-batches.js';
import { FolderSyncs } from './folder-syncs.js';
import { QuotaLedger } from './quota.js';
import { HomeRetirement } from './retire.js';
import { VfsService } from './service.js';
import { ShareService } from './shares.js';
import { UploadSessions } from './uploads.js';

/** What the storage module needs from the composition root. */
export interface VfsDeps {
  knex: Knex;
  audit: AuditLog;
  storageRoot: string;
  /** Which StorageBackend runs (`NASD_STORAGE_BACKEND`); default `fast`. */
  backend?: StorageBackendKind;
  logger?: Logger;
  /** Told of every committed upload (protocol, bytes of the new file), e.g. for metrics; must not throw. */
  onCommitted?: VfsCore['onCommitted'];
  /** Heartbeat period of this process in `nasd_instances` (tests shorten it). */
  heartbeatMs?: number;
  /** How long an unfinished tus upload lives; default 24 h. */
  uploadExpiryMs?: number;
  /** This process's id among those sharing the database (random by default). */
  instanceId?: string;
  /** A digest of the process's keys (identity's `keysFingerprint`): a process whose keys differ from a live peer's does not start. */
  keysFingerprint?: string;
}

/** The storage services the edges use; the core they share stays inside src/vfs. */
export interface Storage {
  /** The one gate to the files: WebDAV, the file API, SMB catch-up and the jobs go through it. */
  vfs: VfsService;
  /** Share administration (the share API). */
  shares: ShareService;
  /** Resumable upload sessions (tus). */
  uploads: UploadSessions;
}

/**
 * Builds the storage module: the backend on `storageRoot`, the repositories and the services
 * over one shared core. Call `vfs.start()` before use and `vfs.close()` at shutdown.
 */
export async function createVfs(deps: VfsDeps): Promise<Storage> {
  const { knex, audit } = deps;
  const backend = await openStorageBackend(deps.backend ?? 'fast', deps.storageRoot, { instanceId: deps.instanceId });
  const locks = new KnexDavLockStore(knex);
  const ledger = new QuotaLedger(knex, () => backend.freeBytes(), backend.instanceId);
  const core: VfsCore = {
    knex,
    backend,
    audit,
    dir: new StorageDirectory(knex),
    owners: new OwnerRepo(knex),
    props: new PropertyRepo(knex),
    ledger,
    commits: new CommitBatcher(knex, ledger),
    folderSyncs: new FolderSyncs(backend),
    locks,
    adminVisits: new WeakMap(),
    onCommitted: deps.onCommitted,
  };
  const instance = new InstanceRegistry(knex, backend.instanceId, { heartbeatMs: deps.heartbeatMs, keysFingerprint: deps.keysFingerprint });
  const retirement = new HomeRetirement(core, new RetiredHomes(backend.root, backend.instanceId), deps.logger);
  return {
    vfs: new VfsService(core, { instance, retirement, logger: deps.logger }),
    shares: new ShareService(core),
    uploads: new UploadSessions(core, deps.uploadExpiryMs ?? 24 * 3600_000),
  };
}
