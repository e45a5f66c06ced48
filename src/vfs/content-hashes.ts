import { ConcurrencyLimit } from '../lib/concurrency-limit.js';
import { VfsError } from '../lib/errors.js';
import type { FileHashes } from './backends/index.js';
import { etagOf, locate, type VfsCore } from './core.js';
import type { CachedHashes } from './owners.js';
import { baseName, parentPath } from './path.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { ContentHashes, EntryStat, MemberHashes } from './types.js';

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
  private readonly hashing = new ConcurrencyLimit(HASHING_AT_ONCE);

  constructor(private readonly core: VfsCore) {}

  /** Hashes of files anywhere (see Vfs.contentHashes): each folder located once, cached hashes read by key. */
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
      const byKey = await this.core.owners.cachedHashes(files.map((e) => `${loc.key}/${baseName(e.path)}`));
      const cached = new Map([...byKey].map(([key, hashes]) => [baseName(key), hashes]));
      await this.answer(loc.key, files, cached, out);
    }
    return out;
  }

  /** Hashes of one folder's members a batch at a time (see Vfs.memberHashes): located once, cached hashes read in one query. */
  async membersOf(actor: RequestActor<Principal>, folder: string): Promise<MemberHashes> {
    const loc = await locate(this.core, actor, folder);
    if (loc.kind !== 'area') return async () => new Map();
    const cached = await this.core.owners.childHashes(loc.key);
    return async (batch) => {
      const out = new Map<string, ContentHashes>();
      const files = batch.filter((e) => e.type === 'file' && parentPath(e.path) === loc.path);
      await this.answer(loc.key, files, cached, out);
      return out;
    };
  }

  /** Puts into `out` the hashes of `files` in folder `dirKey`: cached by name when their ETag still matches, else read now. */
  private async answer(dirKey: string, files: readonly HashedEntry[], cached: Map<string, CachedHashes>, out: Map<string, ContentHashes>): Promise<void> {
    const uncached: HashedEntry[] = [];
    for (const e of files) {
      const hit = cached.get(baseName(e.path));
      if (hit?.etag === e.etag) out.set(e.path, { md5: hit.md5, sha1: hit.sha1 });
      else uncached.push(e);
    }
    await Promise.all(
      uncached.map(async (e) => {
        const hashes = await this.hashNow(`${dirKey}/${baseName(e.path)}`, e.etag);
        if (hashes) out.set(e.path, hashes);
      }),
    );
  }

  /**
   * Reads a file and caches its hashes unless it changed while it was read. They are returned
   * only when they are of the content the caller's entry describes: undefined when the file
   * changed or vanished since (the caller shows that entry's size and ETag), or cannot be read.
   */
  private async hashNow(key: string, etag: string): Promise<ContentHashes | undefined> {
    let read: FileHashes;
    try {
      read = await this.hashing.run(() => this.core.backend.hashFile(key));
    } catch (err) {
      // Gone, now a folder, unreadable: that one file has no hashes, the rest of the listing goes on.
      if (err instanceof VfsError) return undefined;
      throw err;
    }
    if (read.changed) return undefined;
    const readEtag = etagOf(read.stat);
    await this.core.owners.storeHashes(key, { md5: read.md5, sha1: read.sha1, etag: readEtag });
    return readEtag === etag ? { md5: read.md5, sha1: read.sha1 } : undefined;
  }
}
