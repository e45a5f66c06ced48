import type { StorageBackend } from './backends/index.js';

interface FolderState {
  running: Promise<void>;
  /** The fsync that starts once `running` ends, shared by every caller that came meanwhile. */
  next?: Promise<void>;
}

/**
 * fsyncs of folders after names were put in them, coalesced: each caller gets an fsync that
 * starts after it asked (so it covers the caller's rename), and callers asking while one runs
 * share the single next one. Concurrent commits into one folder, as a copy of many files makes,
 * so pay about two folder flushes between them instead of one each.
 */
export class FolderSyncs {
  private readonly folders = new Map<string, FolderState>();

  constructor(private readonly backend: Pick<StorageBackend, 'syncFolders'>) {}

  /** Resolves once `key`'s entries, as they were when called, are on disk. */
  sync(key: string): Promise<void> {
    const state = this.folders.get(key);
    if (!state) return this.start(key);
    state.next ??= state.running.catch(() => undefined).then(() => this.start(key));
    return state.next;
  }

  private start(key: string): Promise<void> {
    const running = this.backend.syncFolders([key]);
    const state: FolderState = { running };
    this.folders.set(key, state);
    // A caller that came meanwhile made `next`, which takes this place when it starts.
    void running.catch(() => undefined).then(() => {
      if (this.folders.get(key) === state && !state.next) this.folders.delete(key);
    });
    return running;
  }
}
