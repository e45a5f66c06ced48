import type { Readable } from 'node:stream';
import { DataStore, Upload } from '@tus/utils';
import type { UploadSession, UploadSessions } from '../../src/vfs/index.js';
import { UploadSessions as Sessions } from '../../src/vfs/index.js';
import { currentTusContext } from './context.js';

function toUpload(s: UploadSession): Upload {
  return new Upload({
    id: s.id,
    size: s.size ?? undefined,
    offset: s.offset,
    metadata: s.metadata,
    creation_date: new Date(s.createdAt).toISOString(),
  });
}

/**
 * nasd's tus DataStore: every call goes through UploadSessions (the VFS staging API) as the
 * request's actor, so permissions, quota reservation and the final atomic commit are the VFS's.
 * Supports creation, creation-with-upload, creation-defer-length, termination, expiration and
 * checksum (sha1, sha256), which @tus/file-store lacks.
 */
export class VfsDataStore extends DataStore {
  constructor(private readonly sessions: UploadSessions) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration', 'checksum'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const { actor } = currentTusContext();
    const meta = upload.metadata ?? {};
    const targetPath = Sessions.targetOf(meta.folder, meta.filename);
    const session = await this.sessions.create(actor, upload.id, { targetPath, size: upload.size ?? null, metadata: meta });
    upload.creation_date = new Date(session.createdAt).toISOString();
    return upload;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const { actor, checksum } = currentTusContext();
    return this.sessions.append(actor, id, offset, stream, checksum);
  }

  override async getUpload(id: string): Promise<Upload> {
    return toUpload(await this.sessions.get(currentTusContext().actor, id));
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    await this.sessions.declareLength(currentTusContext().actor, id, length);
  }

  override async remove(id: string): Promise<void> {
    await this.sessions.terminate(currentTusContext().actor, id);
  }

  override async deleteExpired(): Promise<number> {
    return this.sessions.deleteExpired();
  }

  override getExpiration(): number {
    return this.sessions.expiryMs;
  }
}
