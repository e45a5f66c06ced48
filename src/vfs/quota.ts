import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { fastQuery } from '../lib/fast-query.js';
import { VfsError } from '../lib/errors.js';
import { keyHash } from './keys.js';

/** Whose quota a write is charged to: the file's owner and, in a share, the share's size limit. */
export interface QuotaSubject {
  /** null when no user's usage changes (a move between shares only touches share limits). */
  userId: number | null;
  shareId: number | null;
}

/** A subject as one string (`<userId>:<shareId>`), for maps and comparisons. */
export function subjectKey(subject: QuotaSubject): string {
  return `${subject.userId}:${subject.shareId}`;
}

/** A change to the usage counters, applied inside the commit's transaction. */
export interface UsageDelta {
  scope: 'user' | 'share';
  subjectId: number;
  bytes: number;
  files: number;
}

/** What a subject may still write, and why (null limit = unlimited). */
export interface Availability {
  availableBytes: number;
  usedBytes: number;
  limitBytes: number | null;
  /** Which bound is the tightest: the user's quota, the share's limit or the free disk. */
  boundBy: 'user' | 'share' | 'disk';
}

export interface ReserveOptions {
  kind: 'write' | 'tus';
  uploadId?: string;
  /** Write reservations of a dead process are reclaimed (dropOrphanedWrites); this lease is a last safety net. */
  expiresAt?: number;
  /** The storage key the bytes will land at: reservations for one key count once (see reserved()). */
  targetKey?: string;
}

/** What availability() leaves out or adds. */
export interface AvailabilityOptions {
  /** false leaves the free disk out: bytes already written to a temp file have taken their disk space. */
  disk?: boolean;
  /** keyHash of the key being written: other reservations for that key are not counted (see reserved()). */
  targetHash?: string;
}

const WRITE_LEASE_MS = 6 * 3600_000;

/** How many concurrent writers of one key share one reservation's worth of quota (see reserved()). */
const SHARED_TARGET_WRITES = 8;

const LOCK_USAGE_SQL =
  'insert into storage_usage (scope, subject_id, bytes, files, updated_at) values (?, ?, 0, 0, ?) ' +
  'on conflict (scope, subject_id) do update set bytes = storage_usage.bytes';
const APPLY_USAGE_SQL =
  'insert into storage_usage (scope, subject_id, bytes, files, updated_at) values (?, ?, ?, ?, ?) ' +
  'on conflict (scope, subject_id) do update set bytes = storage_usage.bytes + excluded.bytes, files = storage_usage.files + excluded.files, updated_at = excluded.updated_at';

/** How long isLimited trusts what it read (ms). */
const LIMITS_TRUST_MS = 1000;

/**
 * The quota ledger (sftpgo's three stages): check → reserve(bytes) → settle (commit the real
 * delta) or release. Every step runs in a transaction that first locks the usage rows of the
 * user and the share (PostgreSQL `SELECT … FOR UPDATE`; SQLite's single connection already
 * serialises transactions), so concurrent writers can never together pass a quota.
 */
export class QuotaLedger {
  /** isLimited's answers by subject, with when they were read (performance.now()). */
  private readonly limitedSeen = new Map<string, { limited: boolean; at: number }>();

  constructor(
    private readonly knex: Knex,
    private readonly freeDiskBytes: () => Promise<number>,
    /** The process recorded on its `write` reservations (see InstanceRegistry). */
    private readonly instanceId: string | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Ensures the usage rows exist and locks them in a fixed order (user, then share). Commits
   * call it first in their transaction so that two commits to one place run one after the other.
   */
  async lockSubject(trx: Knex.Transaction, subject: QuotaSubject): Promise<void> {
    const rows: Array<['user' | 'share', number]> = subject.userId === null ? [] : [['user', subject.userId]];
    if (subject.shareId !== null) rows.push(['share', subject.shareId]);
    for (const [scope, subjectId] of rows) {
      // One statement creates the row when missing and locks it: an upsert that updates a
      // conflicting row takes its row lock on PostgreSQL (like SELECT … FOR UPDATE) and makes the
      // transaction a writer on SQLite.
      await fastQuery(trx, LOCK_USAGE_SQL, [scope, subjectId, this.now()]);
    }
  }

  /** The user's quota and the share's size limit (null = unlimited, or no such subject part). */
  private async limits(db: Knex, subject: QuotaSubject): Promise<{ user: number | null; share: number | null }> {
    const [user] = subject.userId === null ? [] : await fastQuery(db, 'select quota_bytes from users where id = ?', [subject.userId]);
    const [share] = subject.shareId === null ? [] : await fastQuery(db, 'select size_limit_bytes from shares where id = ?', [subject.shareId]);
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return { user: num(user?.quota_bytes), share: num(share?.size_limit_bytes) };
  }

  /**
   * Bytes reserved for a subject. Reservations for one target key count once, at their largest:
   * concurrent overwrites of one file replace each other, so only one of them can add to the
   * usage (the commit checks the real growth again under its lock, see assertGrowthFits).
   * Reservations for `targetHash` itself are left out: the caller is writing that key too. Past
   * SHARED_TARGET_WRITES writers of one key they all count in full, so piling up parallel
   * writes to one name cannot stage an unbounded multiple of the quota (each also takes disk).
   */
  private async reserved(db: Knex, column: 'user_id' | 'share_id', id: number, excludeId?: string, targetHash?: string): Promise<number> {
    const q = db('quota_reservations')
      .select('target_hash')
      .sum({ total: 'bytes' })
      .max({ largest: 'bytes' })
      .count({ writers: '*' })
      .where(column, id)
      .andWhere('expires_at', '>', this.now())
      .groupBy('target_hash');
    if (excludeId) q.andWhereNot('id', excludeId);
    const rows = (await q) as Array<{ target_hash: string | null; total: number | string | null; largest: number | string | null; writers: number | string }>;
    let bytes = 0;
    for (const r of rows) {
      const mine = r.target_hash !== null && r.target_hash === targetHash;
      // The caller's own key: shared while it, too, stays within the limit.
      const writers = Number(r.writers) + (mine ? 1 : 0);
      const shared = r.target_hash !== null && writers <= SHARED_TARGET_WRITES;
      if (shared && mine) continue;
      bytes += shared ? Number(r.largest ?? 0) : Number(r.total ?? 0);
    }
    return bytes;
  }

  private async used(db: Knex, scope: 'user' | 'share', id: number): Promise<number> {
    const row = await db('storage_usage').select('bytes').where({ scope, subject_id: id }).first();
    return Number(row?.bytes ?? 0);
  }

  /** What the subject may still write (reservations of others count as spent, see reserved()). */
  async availability(subject: QuotaSubject, db: Knex = this.knex, excludeReservation?: string, options: AvailabilityOptions = {}): Promise<Availability> {
    const candidates: Availability[] = [];
    let userUsed = 0;
    let userLimit: number | null = null;
    if (subject.userId !== null) {
      const user = await db('users').select('quota_bytes').where('id', subject.userId).first();
      userLimit = user?.quota_bytes === null || user?.quota_bytes === undefined ? null : Number(user.quota_bytes);
      userUsed = await this.used(db, 'user', subject.userId);
      const userReserved = await this.reserved(db, 'user_id', subject.userId, excludeReservation, options.targetHash);
      candidates.push({
        availableBytes: userLimit === null ? Number.MAX_SAFE_INTEGER : userLimit - userUsed - userReserved,
        usedBytes: userUsed,
        limitBytes: userLimit,
        boundBy: 'user',
      });
    }
    if (subject.shareId !== null) {
      const share = await db('shares').select('size_limit_bytes').where('id', subject.shareId).first();
      const limit = share?.size_limit_bytes === null || share?.size_limit_bytes === undefined ? null : Number(share.size_limit_bytes);
      if (limit !== null) {
        const used = await this.used(db, 'share', subject.shareId);
        const reserved = await this.reserved(db, 'share_id', subject.shareId, excludeReservation, options.targetHash);
        candidates.push({ availableBytes: limit - used - reserved, usedBytes: used, limitBytes: limit, boundBy: 'share' });
      }
    }
    if (options.disk === false) {
      candidates.push({ availableBytes: Number.MAX_SAFE_INTEGER, usedBytes: userUsed, limitBytes: userLimit, boundBy: 'user' });
    } else {
      const allReserved = Number(
        ((await db('quota_reservations').sum({ bytes: 'bytes' }).where('expires_at', '>', this.now()).modify((q) => {
          if (excludeReservation) q.whereNot('id', excludeReservation);
        }).first()) as { bytes: number | string | null } | undefined)?.bytes ?? 0,
      );
      candidates.push({ availableBytes: (await this.freeDiskBytes()) - allReserved, usedBytes: userUsed, limitBytes: userLimit, boundBy: 'disk' });
    }
    const tightest = candidates.reduce((a, b) => (b.availableBytes < a.availableBytes ? b : a));
    return { ...tightest, availableBytes: Math.max(0, tightest.availableBytes) };
  }

  private refuse(avail: Availability, wanted: number): never {
    const what = avail.boundBy === 'user' ? 'your storage quota' : avail.boundBy === 'share' ? "the share's size limit" : 'the free disk space';
    throw new VfsError('QUOTA_EXCEEDED', `writing ${wanted} bytes would exceed ${what} (${avail.availableBytes} bytes available)`, {
      details: { availableBytes: avail.availableBytes, boundBy: avail.boundBy },
    });
  }

  /** Reserves `bytes` for the subject or throws QUOTA_EXCEEDED; returns the reservation id. */
  async reserve(subject: QuotaSubject, bytes: number, options: ReserveOptions): Promise<string> {
    const id = crypto.randomUUID();
    const targetHash = options.targetKey === undefined ? null : keyHash(options.targetKey);
    await this.knex.transaction(async (trx) => {
      await this.lockSubject(trx, subject);
      const avail = await this.availability(subject, trx, undefined, { targetHash: targetHash ?? undefined });
      if (bytes > avail.availableBytes) this.refuse(avail, bytes);
      await trx('quota_reservations').insert({
        id,
        user_id: subject.userId,
        share_id: subject.shareId,
        bytes,
        kind: options.kind,
        upload_id: options.uploadId ?? null,
        target_hash: targetHash,
        instance_id: options.kind === 'write' ? this.instanceId : null,
        created_at: this.now(),
        expires_at: options.expiresAt ?? this.now() + WRITE_LEASE_MS,
      });
    });
    return id;
  }

  /** Raises a reservation to `bytes` in total, or throws QUOTA_EXCEEDED (the reservation is kept). */
  async grow(id: string, bytes: number): Promise<void> {
    await this.growUpTo(id, bytes, bytes);
  }

  /**
   * Raises a reservation to at least `min` and at most `max` bytes in total, as much as is
   * available; returns the reservation's size now. QUOTA_EXCEEDED when not even `min` fits (the
   * reservation is kept as it was). A writer whose size is unknown asks for a step ahead but
   * only ever relies on what this returns.
   */
  async growUpTo(id: string, min: number, max: number): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const row = await trx('quota_reservations').where('id', id).first();
      if (!row) throw new VfsError('CONFLICT', 'the quota reservation has expired');
      const current = Number(row.bytes);
      if (min <= current) return current;
      const subject = { userId: row.user_id === null ? null : Number(row.user_id), shareId: row.share_id === null ? null : Number(row.share_id) };
      await this.lockSubject(trx, subject);
      const avail = await this.availability(subject, trx, id, { targetHash: row.target_hash ?? undefined });
      if (min > avail.availableBytes) this.refuse(avail, min);
      const bytes = Math.max(current, Math.min(max, avail.availableBytes));
      const patch: Record<string, number> = { bytes };
      if (row.kind === 'write') patch.expires_at = this.now() + WRITE_LEASE_MS;
      await trx('quota_reservations').where('id', id).update(patch);
      return bytes;
    });
  }

  /**
   * Commit-time check, inside the commit's transaction after lockSubject: the real growth of the
   * subject's usage (new size minus the size actually replaced, read under the lock) must be
   * covered by the writer's reservation or fit the quota and share limit now. Reservations
   * credit the replaced file's size when they are made; two overwrites of one file running at
   * once both take that credit but only one gets it, so without this check the second could
   * pass the quota by the file's size.
   */
  async assertGrowthFits(trx: Knex.Transaction, subject: QuotaSubject, growth: number, reservationId?: string, targetKey?: string): Promise<void> {
    if (growth <= 0) return;
    const row = reservationId ? await trx('quota_reservations').select('bytes').where('id', reservationId).first() : undefined;
    if (growth <= Number(row?.bytes ?? 0)) return;
    const limits = await this.limits(trx, subject);
    if (limits.user === null && limits.share === null) return;
    const avail = await this.availability(subject, trx, reservationId, { disk: false, targetHash: targetKey === undefined ? undefined : keyHash(targetKey) });
    if (growth > avail.availableBytes) this.refuse(avail, growth);
  }

  /**
   * Whether the user's quota or the share's size limit bounds the subject (no lock). Small
   * writes of an unbounded subject skip the reservation (see write.ts UNRESERVED_WRITE_BYTES).
   * The answer is kept for LIMITS_TRUST_MS: it only decides whether to reserve, and the commit
   * reads the limits again under its lock (assertGrowthFits), so a limit set meanwhile still
   * holds; asking the database on every small write queued it behind the commits.
   */
  async isLimited(subject: QuotaSubject): Promise<boolean> {
    const key = subjectKey(subject);
    const seen = this.limitedSeen.get(key);
    if (seen && performance.now() - seen.at < LIMITS_TRUST_MS) return seen.limited;
    const limits = await this.limits(this.knex, subject);
    const limited = limits.user !== null || limits.share !== null;
    this.limitedSeen.set(key, { limited, at: performance.now() });
    return limited;
  }

  /** Drops a reservation (abort, failure, expiry). Idempotent. */
  async release(id: string, db: Knex = this.knex): Promise<void> {
    await db('quota_reservations').where('id', id).delete();
  }

  /** Applies usage deltas; call inside the transaction that commits ownership. */
  async applyUsage(trx: Knex, deltas: UsageDelta[]): Promise<void> {
    for (const d of deltas) {
      if (d.bytes === 0 && d.files === 0) continue;
      // One upsert: a missing row starts at the delta, an existing one adds it.
      await fastQuery(trx, APPLY_USAGE_SQL, [d.scope, d.subjectId, d.bytes, d.files, this.now()]);
    }
  }

  /** Sets usage counters to recomputed values (reconcile). */
  async setUsage(trx: Knex, scope: 'user' | 'share', subjectId: number, bytes: number, files: number): Promise<void> {
    await trx('storage_usage')
      .insert({ scope, subject_id: subjectId, bytes, files, updated_at: this.now() })
      .onConflict(['scope', 'subject_id'])
      .merge({ bytes, files, updated_at: this.now() });
  }

  /** Usage counters of one subject. */
  async usage(scope: 'user' | 'share', subjectId: number): Promise<{ bytes: number; files: number }> {
    const row = await this.knex('storage_usage').select('bytes', 'files').where({ scope, subject_id: subjectId }).first();
    return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
  }

  /**
   * Drops `write` reservations whose process has no heartbeat row (InstanceRegistry.liveIds
   * removes the rows of dead processes first). One statement with a subquery, so a process that
   * registers and reserves meanwhile keeps its reservation. tus reservations live until their
   * upload expires.
   */
  async dropOrphanedWrites(): Promise<number> {
    return this.knex('quota_reservations')
      .where('kind', 'write')
      .andWhere((q) => {
        q.whereNull('instance_id').orWhereNotIn('instance_id', this.knex('nasd_instances').select('id'));
      })
      .delete();
  }

  /** Bytes currently reserved by a user (tests and the usage API). */
  async reservedBy(userId: number): Promise<number> {
    return this.reserved(this.knex, 'user_id', userId);
  }
}
