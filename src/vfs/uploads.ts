import type { Readable } from 'node:stream';
import { VfsError } from '../lib/errors.js';
import { UploadParts } from './backends/upload-parts.js';
import { asNamedBy, locate, requireInside, subjectOf, type VfsCore } from './core.js';
import { assertUnlocked } from './lock-guard.js';
import { normalizePath, joinPath, validateName } from './path.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { WriteResult } from './types.js';
import { assertMayWriteFile, commitTemp } from './write.js';

/** A resumable upload as a protocol sees it. */
export interface UploadSession {
  id: string;
  userId: number;
  /** Virtual path the file will have (as the uploader named it). */
  targetPath: string;
  /** null while the length is deferred. */
  size: number | null;
  offset: number;
  metadata: Record<string, string | null>;
  createdAt: number;
  expiresAt: number;
  state: 'open' | 'finished';
  sha256: string | null;
}

interface UploadRow {
  id: string;
  user_id: number;
  target_path: string;
  size: number | null;
  metadata: string;
  reservation_id: string | null;
  state: 'open' | 'finished';
  sha256: string | null;
  created_at: number;
  expires_at: number;
}

/** Deferred-length uploads grow their reservation in steps of this many bytes. */
const GROW_STEP = 8 * 1024 * 1024;

/**
 * Resumable upload sessions (tus) on top of the VFS: permission check and quota reservation at
 * creation, parts staged in `.nasd/uploads`, per-chunk quota growth when the length is deferred,
 * and an atomic commit into the namespace with the uploader as owner. Sessions belong to one
 * user: any other user gets NOT_FOUND. Expired or terminated sessions release parts and quota.
 */
export class UploadSessions {
  private readonly parts: UploadParts;

  constructor(
    private readonly core: VfsCore,
    /** How long an unfinished upload lives after its creation. */
    readonly expiryMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.parts = new UploadParts(core.backend.root);
  }

  private async row(actor: RequestActor<Principal>, id: string): Promise<UploadRow> {
    const row = await this.core.knex<UploadRow>('tus_uploads').where({ id }).first();
    if (!row || Number(row.user_id) !== actor.principal.userId) throw new VfsError('NOT_FOUND', 'no such upload');
    return row;
  }

  private async toSession(row: UploadRow): Promise<UploadSession> {
    const size = row.size === null ? null : Number(row.size);
    const offset = row.state === 'finished' ? (size ?? 0) : ((await this.parts.size(row.id)) ?? 0);
    return {
      id: row.id,
      userId: Number(row.user_id),
      targetPath: row.target_path,
      size,
      offset,
      metadata: JSON.parse(row.metadata) as Record<string, string | null>,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      state: row.state,
      sha256: row.sha256,
    };
  }

  /** Where an upload named (folder, filename) lands; both are validated by the path normalizer. */
  static targetOf(folder: string | null | undefined, filename: string | null | undefined): string {
    if (!filename) throw new VfsError('VALIDATION', 'Upload-Metadata must name the file (filename)');
    return joinPath(normalizePath(folder || '/home').path, validateName(filename));
  }

  /** Checks permission and WebDAV locks, reserves quota for the announced size (deferred: 0 for now), stages an empty part. */
  async create(actor: RequestActor<Principal>, id: string, input: { targetPath: string; size: number | null; metadata: Record<string, string | null> }): Promise<UploadSession> {
    return asNamedBy(actor, async () => {
      const loc = requireInside(await locate(this.core, actor, input.targetPath), 'written');
      const plan = await assertMayWriteFile(this.core, actor, loc, true);
      // Refused before any byte is sent; the commit checks again (commitTemp).
      await assertUnlocked(this.core, actor, loc, { parent: !plan.exists });
      const createdAt = this.now();
      const expiresAt = createdAt + this.expiryMs;
      const reservationId = await this.core.ledger.reserve(subjectOf(loc, plan.ownerId), Math.max(0, (input.size ?? 0) - plan.credit), {
        kind: 'tus',
        uploadId: id,
        expiresAt,
        targetKey: loc.key,
      });
      try {
        await this.parts.create(id);
        await this.core.knex('tus_uploads').insert({
          id,
          user_id: actor.principal.userId,
          target_path: loc.path,
          size: input.size,
          metadata: JSON.stringify(input.metadata),
          reservation_id: reservationId,
          state: 'open',
          sha256: null,
          created_at: createdAt,
          expires_at: expiresAt,
        });
      } catch (err) {
        await this.parts.remove(id);
        await this.core.ledger.release(reservationId);
        throw err;
      }
      return this.get(actor, id);
    });
  }

  async get(actor: RequestActor<Principal>, id: string): Promise<UploadSession> {
    return this.toSession(await this.row(actor, id));
  }

  /**
   * Makes the upload's reservation cover `total` bytes; returns how many it covers now. With the
   * length deferred it asks for a step ahead, as much of it as is available: the caller may
   * write up to what this returns, and must ask again beyond it.
   */
  private async grow(row: UploadRow, total: number): Promise<number> {
    if (!row.reservation_id) throw new VfsError('CONFLICT', 'the upload has no quota reservation');
    return this.core.ledger.growUpTo(row.reservation_id, total, row.size === null ? total + GROW_STEP : total);
  }

  /**
   * Appends a chunk at `offset`; returns the new offset. Every byte is covered by the upload's
   * reservation before it is written (a deferred length grows it as the bytes come), so staged
   * parts count against the quota until they are committed or expire. See UploadParts.append
   * for checksum and failure rules.
   */
  async append(actor: RequestActor<Principal>, id: string, offset: number, source: Readable, checksum?: { algorithm: 'sha1' | 'sha256'; digest: Buffer }): Promise<number> {
    const row = await this.row(actor, id);
    if (row.state !== 'open') throw new VfsError('CONFLICT', 'the upload is already complete');
    if (Number(row.expires_at) <= this.now()) throw new VfsError('NOT_FOUND', 'the upload has expired');
    const size = row.size === null ? null : Number(row.size);
    let covered = 0;
    const guard = async (total: number) => {
      if (size !== null && total > size) throw new VfsError('PAYLOAD_TOO_LARGE', `the upload is ${size} bytes long`);
      if (size === null && total > covered) covered = await this.grow(row, total);
    };
    return this.parts.append(id, offset, source, guard, checksum);
  }

  /** Sets a deferred length once; the reservation grows to it (QUOTA_EXCEEDED when it does not fit). */
  async declareLength(actor: RequestActor<Principal>, id: string, size: number): Promise<void> {
    const row = await this.row(actor, id);
    if (row.size !== null) throw new VfsError('CONFLICT', 'the upload length is already known');
    await this.grow({ ...row, size }, size);
    await this.core.knex('tus_uploads').where({ id }).update({ size });
  }

  /** Commits a complete upload into the VFS (permission re-checked, uploader owns it, sha256 recorded). */
  async finish(actor: RequestActor<Principal>, id: string): Promise<WriteResult> {
    return asNamedBy(actor, async () => {
      const row = await this.row(actor, id);
      const session = await this.toSession(row);
      if (row.state === 'finished') throw new VfsError('CONFLICT', 'the upload is already complete');
      if (session.size === null || session.offset !== session.size) throw new VfsError('CONFLICT', 'the upload is not complete yet');
      const loc = requireInside(await locate(this.core, actor, row.target_path), 'written');
      const plan = await assertMayWriteFile(this.core, actor, loc, true);
      // Before the part is finalized, so a locked target keeps the upload whole for a retry.
      await assertUnlocked(this.core, actor, loc, { parent: !plan.exists });
      const sha256 = await this.parts.finalize(id);
      const result = await commitTemp(this.core, actor, loc, { tempPath: this.parts.pathOf(id), size: session.size, sha256 }, {
        reservationId: row.reservation_id ?? undefined,
        overwrite: true,
      });
      await this.core.knex('tus_uploads').where({ id }).update({ state: 'finished', sha256, reservation_id: null });
      return result;
    });
  }

  /** Termination: the part, the reservation and the session go. */
  async terminate(actor: RequestActor<Principal>, id: string): Promise<void> {
    await this.drop(await this.row(actor, id));
  }

  private async drop(row: UploadRow): Promise<void> {
    await this.parts.remove(row.id);
    if (row.reservation_id) await this.core.ledger.release(row.reservation_id);
    await this.core.knex('tus_uploads').where({ id: row.id }).delete();
  }

  /** Drops every expired session (open or finished); returns how many. Run by the scheduler. */
  async deleteExpired(): Promise<number> {
    const rows: UploadRow[] = await this.core.knex<UploadRow>('tus_uploads').where('expires_at', '<=', this.now());
    for (const row of rows) await this.drop(row);
    return rows.length;
  }
}
