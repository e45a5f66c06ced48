import { VfsError } from '../lib/errors.js';
import type { FileHashes } from './backends/index.js';
import { etagOf, locate, type VfsCore } from './core.js';
import { baseName, parentPath } from './path.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { ContentHashes, EntryStat } from './types.js';

/**
 * Files hashed at once in this process, whatever the number of requests asking: a listing of a
 * big folder of uncached files keeps at most this many reads going, and other work its share of
 * the disk and the storage workers.
 */
const HASHING_AT_ONCE = 2;

/** What a hash request names: an entry as stat or list returned it in the same request. */
export type HashedEntry = Pick<EntryStat, 'path' | 'type' | 'etag'>;

/**
 * MD5 and SHA-1 of file content for clients that compare files without downloading them (see
 * Vfs.contentHashes). Nothing is hashed when a file is written (that path is measured): a file is
 * read the first time somebody asks, and its hashes are cached on its owner record with the ETag
 * they belong to, which every commit of the record clears.
 */
export class ContentHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly core: VfsCore) {}

  async hashesOf(actor: RequestActor<Principal>, entries: readonly HashedEntry[]): Promise<Map<string, ContentHashes>> {
    const out = new Map<string, ContentHashes>();
    const byFolder = new Map<string, HashedEntry[]>();
    for (const e of entries) {
      if (e.type !== 'file') continue;
      const folder = parentPath(e.path);
      const group = byFolder.get(folder);
      if (group) group.push(e);
      else byFolder.set(folder, [e]);
    }
    for (const [folder, files] of byFolder) {
      const loc = await locate(this.core, actor, folder);
      if (loc.kind !== 'area') continue;
      const keyOf = (e: HashedEntry) => `${loc.key}/${baseName(e.path)}`;
      const cached = await this.core.owners.cachedHashes(files.map(keyOf));
      const uncached: HashedEntry[] = [];
      for (const e of files) {
        const hit = cached.get(keyOf(e));
        if (hit?.etag === e.etag) out.set(e.path, { md5: hit.md5, sha1: hit.sha1 });
        else uncached.push(e);
      }
      await Promise.all(
        uncached.map(async (e) => {
          const hashes = await this.hashNow(keyOf(e), e.etag);
          if (hashes) out.set(e.path, hashes);
        }),
      );
    }
    return out;
  }

  /**
   * Reads a file and caches its hashes unless it changed while it was read. They are returned
   * only when they are of the content the caller's entry describes: undefined when the file
   * changed or vanished since (the caller shows that entry's size and ETag), or cannot be read.
   */
  private async hashNow(key: string, etag: string): Promise<ContentHashes | undefined> {
    await this.slot();
    let read: FileHashes;
    try {
      read = await this.core.backend.hashFile(key);
    } catch (err) {
      // Gone, now a folder, unreadable: that one file has no hashes, the rest of the listing goes on.
      if (err instanceof VfsError) return undefined;
      throw err;
    } finally {
      this.release();
    }
    if (read.changed) return undefined;
    const readEtag = etagOf(read.stat);
    await this.core.owners.storeHashes(key, { md5: read.md5, sha1: read.sha1, etag: readEtag });
    return readEtag === etag ? { md5: read.md5, sha1: read.sha1 } : undefined;
  }

  private async slot(): Promise<void> {
    if (this.running < HASHING_AT_ONCE) {
      this.running += 1;
      return;
    }
    // The slot passes straight from the releasing hash to this one: running stays the same.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
