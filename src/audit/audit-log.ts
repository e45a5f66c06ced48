import type { Knex } from 'knex';
import { fastQuery } from '../lib/fast-query.js';
import type { RequestProtocol } from '../lib/request-actor.js';

export type AuditOutcome = 'success' | 'failure';

/** Who did something: a user, or null for the system / an unknown caller. */
export interface AuditActor {
  id: number | null;
  name: string;
}

/** One security-relevant event. `action` is dotted, e.g. `auth.login`, `user.create`, `file.delete`. */
export interface AuditEvent {
  action: string;
  outcome: AuditOutcome;
  actor?: AuditActor | null;
  target?: string | null;
  address?: string | null;
  protocol?: RequestProtocol;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditEvent, 'actor' | 'details'>> {
  id: number;
  at: number;
  actorId: number | null;
  actorName: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: number;
  to?: number;
  /** `system` also matches entries recorded without a protocol. */
  protocol?: RequestProtocol;
  limit: number;
  offset: number;
}

/** The filters of a query without its page. */
export type AuditFilter = Omit<AuditQuery, 'limit' | 'offset'>;

interface AuditRow {
  id: number;
  at: number;
  actor_id: number | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  address: string | null;
  protocol: RequestProtocol | null;
  details: string | null;
}

const INSERT_SQL = 'insert into audit_log (at, actor_id, actor_name, action, target, outcome, address, protocol, details) values (?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Told about each recorded event (after its insert; possibly before its transaction commits). */
export type AuditObserver = (event: AuditEvent) => void;

/** The append-only audit log in the database. */
export class AuditLog {
  private readonly observers: AuditObserver[] = [];

  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one event. Failing to audit is an error the caller must see, never swallowed. */
  async record(event: AuditEvent, trx?: Knex.Transaction): Promise<void> {
    // fastQuery: every file write records one event inside its commit.
    await fastQuery(trx ?? this.knex, INSERT_SQL, [
      this.now(),
      event.actor?.id ?? null,
      event.actor?.name ?? null,
      event.action,
      event.target ? event.target.slice(0, 1024) : null,
      event.outcome,
      event.address ?? null,
      event.protocol ?? null,
      event.details ? JSON.stringify(event.details) : null,
    ]);
    for (const observe of this.observers) observe(event);
  }

  /**
   * Adds an observer (alerts watch security events this way). Observers must not throw and must
   * not touch the database synchronously: the event may sit in a transaction that holds SQLite's
   * only connection, so they queue their work for later.
   */
  observe(observer: AuditObserver): void {
    this.observers.push(observer);
  }

  private filtered(query: AuditFilter): Knex.QueryBuilder<AuditRow> {
    return this.knex<AuditRow>('audit_log').where((q) => {
      if (query.actor) q.where('actor_name', query.actor);
      // SQLite's LIKE has no escape character unless told (PostgreSQL's default is the backslash).
      if (query.action) q.whereRaw("action like ? escape '\\'", [`${query.action.replace(/[%_\\]/g, (c) => `\\${c}`)}%`]);
      if (query.outcome) q.where('outcome', query.outcome);
      if (query.from !== undefined) q.where('at', '>=', query.from);
      if (query.to !== undefined) q.where('at', '<=', query.to);
      if (query.protocol === 'system') q.where((p) => p.where('protocol', 'system').orWhereNull('protocol'));
      else if (query.protocol) q.where('protocol', query.protocol);
    });
  }

  /** Newest first, filtered; `action` matches a prefix (`auth.` finds every auth event). */
  async list(query: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
    const base = this.filtered(query);
    const [{ count }] = await base.clone().count<{ count: number | string }[]>({ count: '*' });
    const rows: AuditRow[] = await base.clone().orderBy('id', 'desc').limit(query.limit).offset(query.offset);
    return { items: rows.map(toEntry), total: Number(count) };
  }

  /** How many entries up to `maxId` match, without loading them. */
  async count(query: AuditFilter, maxId: number): Promise<number> {
    const [{ count }] = await this.filtered(query).andWhere('id', '<=', maxId).count<{ count: number | string }[]>({ count: '*' });
    return Number(count);
  }

  /**
   * Every matching entry, newest first, in batches by id (keyset, so entries recorded meanwhile
   * neither shift nor join the result: only ids up to `maxId` are read).
   */
  async *each(query: AuditFilter, maxId: number, batch = 1000): AsyncGenerator<AuditEntry> {
    let below = maxId + 1;
    for (;;) {
      const rows: AuditRow[] = await this.filtered(query).andWhere('id', '<', below).orderBy('id', 'desc').limit(batch);
      for (const row of rows) yield toEntry(row);
      if (rows.length < batch) return;
      below = Number(rows[rows.length - 1].id);
    }
  }

  /** The id of the newest entry (0 when the log is empty). */
  async newestId(): Promise<number> {
    const row = await this.knex<AuditRow>('audit_log').max<{ id: number | string | null }>({ id: 'id' }).first();
    return Number(row?.id ?? 0);
  }

  /** Deletes entries older than the retention period; returns how many went. */
  async prune(retentionDays: number): Promise<number> {
    return this.knex('audit_log')
      .where('at', '<', this.now() - retentionDays * 86_400_000)
      .delete();
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    address: row.address,
    protocol: row.protocol ?? 'system',
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
  };
}
