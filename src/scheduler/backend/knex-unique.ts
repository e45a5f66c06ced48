import type { UniqueOpts } from 'agenda';
import type { Knex } from 'knex';
import type { JobRow } from './knex-rows.js';

/** PostgreSQL's `data->>key` for a top-level key: strings as they are, anything else as text. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * agenda's `unique` save: finds the job of this name whose `data.<key>` / column values match,
 * then applies insertOnly or debounce (leading keeps the pending run, trailing pushes it back
 * unless maxWait has passed). Returns the saved row, or undefined when the caller should simply
 * insert a new job. Runs inside the caller's transaction (`table` builds queries on it).
 */
export async function saveUnique(
  table: () => Knex.QueryBuilder<JobRow>,
  columns: Partial<JobRow>,
  unique: Record<string, unknown>,
  opts: UniqueOpts | undefined,
  now: number,
  newId: () => string,
): Promise<JobRow | undefined> {
  const q = table().where('name', columns.name!);
  const dataKeys: Array<[string, string | null]> = [];
  for (const [key, value] of Object.entries(unique)) {
    if (key.startsWith('data.')) dataKeys.push([key.slice(5), textOf(value)]);
    else q.where(key.replace(/([A-Z])/g, '_$1').toLowerCase(), value instanceof Date ? value.getTime() : (value as Knex.Value));
  }
  const rows: JobRow[] = await q;
  const existing = rows.find((row) => {
    const data = (row.data === null ? {} : JSON.parse(row.data)) as Record<string, unknown>;
    return dataKeys.every(([k, v]) => v !== null && textOf(data?.[k]) === v);
  });
  const debounce = opts?.debounce;
  if (existing) {
    if (opts?.insertOnly && !debounce) return existing;
    let next = columns.next_run_at ?? null;
    let startedAt: number | null = null;
    if (debounce) {
      const since = existing.debounce_started_at ?? now;
      if (debounce.strategy === 'leading') {
        next = existing.next_run_at;
        startedAt = since;
      } else if (debounce.maxWait && now - since >= debounce.maxWait) {
        next = now;
      } else {
        next = now + debounce.delay;
        startedAt = since;
      }
    }
    await table().where({ id: existing.id }).update({ ...columns, next_run_at: next, debounce_started_at: startedAt });
    return table().where({ id: existing.id }).first();
  }
  if (!debounce) return undefined;
  const id = newId();
  const next = debounce.strategy === 'leading' ? (columns.next_run_at ?? null) : now + debounce.delay;
  await table().insert({ ...columns, id, next_run_at: next, debounce_started_at: now });
  return table().where({ id }).first();
}
