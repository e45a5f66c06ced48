import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VfsError } from '../../lib/errors.js';
import { feedFromClient } from './client-feed.js';
import { classifyFsError } from './errors.js';
import type { ByteGuard } from './storage-backend.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Part files of resumable uploads in `<root>/.nasd/uploads/<id>`, on the storage filesystem so
 * a finished part is renamed into the namespace without copying. The part's size on disk is the
 * upload's offset: it survives restarts, and a chunk cut short by a dropped connection keeps
 * the bytes that arrived.
 */
export class UploadParts {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, '.nasd', 'uploads');
  }

  /** Absolute path of a part (the id is validated: it names a file). */
  pathOf(id: string): string {
    if (!ID.test(id)) throw new VfsError('NOT_FOUND', 'no such upload');
    return path.join(this.dir, id);
  }

  async create(id: string): Promise<void> {
    try {
      await fsp.writeFile(this.pathOf(id), '', { flag: 'wx', mode: 0o640 });
    } catch (err) {
      throw classifyFsError(err, `upload ${id}`);
    }
  }

  /** Bytes received so far; undefined when the part is gone. */
  async size(id: string): Promise<number | undefined> {
    try {
      return (await fsp.lstat(this.pathOf(id))).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Appends a chunk at `offset` (which must be the current size). With `checksum` the chunk is
   * hashed and, on mismatch, cut off again (CHECKSUM_MISMATCH). A guard failure (quota) or a
   * full disk also discards the chunk; a source that just ends early keeps what arrived.
   */
  async append(id: string, offset: number, source: Readable, guard: ByteGuard, checksum?: { algorithm: 'sha1' | 'sha256'; digest: Buffer }): Promise<number> {
    const file = this.pathOf(id);
    const current = await this.size(id);
    if (current === undefined) throw new VfsError('NOT_FOUND', 'no such upload');
    if (current !== offset) throw new VfsError('OFFSET_MISMATCH', `the upload is at offset ${current}, not ${offset}`);
    const hash = checksum ? crypto.createHash(checksum.algorithm) : undefined;
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        new Promise<void>((resolve) => resolve(guard(offset + written + chunk.length))).then(
          () => {
            written += chunk.length;
            hash?.update(chunk);
            done(null, chunk);
          },
          (err: unknown) => done(err as Error),
        );
      },
    });
    // Fed, not pipelined: the tus server would answer a raw write error as a 500 before this
    // method's classified error (quota, full disk) reaches it.
    const done = pipeline(counter, fs.createWriteStream(file, { flags: 'r+', start: offset, flush: true }));
    const feed = feedFromClient(source, counter);
    try {
      await done.catch((err: unknown) => {
        feed.abandon();
        throw err;
      });
      if (checksum && hash && !hash.digest().equals(checksum.digest)) {
        throw new VfsError('CHECKSUM_MISMATCH', `the chunk does not match its ${checksum.algorithm} checksum and was discarded`);
      }
    } catch (err) {
      const failure = classifyFsError(err, 'the upload');
      // A full disk (ENOSPC) is refused like the quota: the chunk goes, the upload stays at `offset`.
      if (checksum || err instanceof VfsError || failure.code === 'QUOTA_EXCEEDED') await fsp.truncate(file, offset).catch(() => undefined);
      throw failure;
    } finally {
      feed.detach();
    }
    return offset + written;
  }

  /** sha256 of the whole part, after an fsync (run once, when the upload completes). */
  async finalize(id: string): Promise<string> {
    const handle = await fsp.open(this.pathOf(id), 'r');
    try {
      await handle.sync();
      const hash = crypto.createHash('sha256');
      for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false })) hash.update(chunk as Buffer);
      return hash.digest('hex');
    } finally {
      await handle.close();
    }
  }

  async remove(id: string): Promise<void> {
    await fsp.rm(this.pathOf(id), { force: true });
  }
}
