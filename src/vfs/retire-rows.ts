import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import { auditFile, type VfsCore } from './core.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/** What happened to a deleted user's files outside their home. */
export interface Reassignment {
  /** The area, as a virtual path (`/media`, `/homes/bob`). */
  area: string;
  /** The new owner, or null when the area has none any more (the records were dropped). */
  toUserId: number | null;
  files: number;
  bytes: number;
}

type Totals = { files: number; bytes: number };

async function totalsByOwner(trx: Knex.Transaction, where: Record<string, unknown>): Promise<Map<number, Totals>> {
  const rows: Array<{ owner_id: number; bytes: number | string | null; files: number | string }> = await trx('file_owners')
    .select('owner_id')
    .sum({ bytes: 'size' })
    .count({ files: '*' })
    .where({ ...where, is_dir: false })
    .groupBy('owner_id');
  return new Map(rows.map((r) => [Number(r.owner_id), { bytes: Number(r.bytes ?? 0), files: Number(r.files) }]));
}

/** Dead property bytes per owner of their resource (files and folders), for the rows `where` picks. */
async function propertyBytesByOwner(trx: Knex.Transaction, where: Record<string, unknown>): Promise<Map<number, number>> {
  const rows: Array<{ owner_id: number; bytes: number | string | null }> = await trx('dead_properties as p')
    .join('file_owners as o', 'o.key_hash', 'p.key_hash')
    .select('o.owner_id')
    .sum({ bytes: 'p.bytes' })
    .where(Object.fromEntries(Object.entries(where).map(([k, v]) => [`o.${k}`, v])))
    .groupBy('o.owner_id');
  return new Map(rows.map((r) => [Number(r.owner_id), Number(r.bytes ?? 0)]));
}

/**
 * Hands the user's shares to `toUserId` (validated: an existing, different user), each audited
 * as a `share.update`. Without a recipient, owning any share is a CONFLICT naming them: a share
 * must never be left without an owner.
 */
export async function transferShares(core: VfsCore, trx: Knex.Transaction, actor: RequestActor<Principal>, userId: number, toUserId: number | undefined, now: number): Promise<string[]> {
  if (toUserId !== undefined) {
    if (toUserId === userId) throw new VfsError('VALIDATION', 'transferSharesTo must name another user than the one being deleted');
    if (!(await trx('users').select('id').where('id', toUserId).first())) throw new VfsError('VALIDATION', `transferSharesTo: no user with id ${toUserId}`);
  }
  const owned: Array<{ id: number; name: string }> = await trx('shares').select('id', 'name').where('owner_id', userId).orderBy('name');
  if (owned.length === 0) return [];
  const names = owned.map((s) => s.name);
  if (toUserId === undefined) {
    throw new VfsError('CONFLICT', `the user owns the share${names.length > 1 ? 's' : ''} ${names.join(', ')}: transfer or delete ${names.length > 1 ? 'them' : 'it'} first, or pass transferSharesTo=<userId>`, {
      details: { shares: names },
    });
  }
  await trx('shares').where('owner_id', userId).update({ owner_id: toUserId, updated_at: now });
  for (const s of owned) {
    await auditFile(core, actor, 'share.update', `/${s.name}`, { shareId: Number(s.id), changes: ['ownerId'], fromUserId: userId, toUserId, reason: 'owner deleted' }, trx);
  }
  return names;
}

/** Who owns what the deleted user leaves in an area: a share's owner or a home's user (null: nobody). */
async function heirOf(trx: Knex.Transaction, area: string): Promise<{ userId: number | null; path: string }> {
  const [kind, name] = area.split('/');
  if (kind === 'shares') {
    const share = await trx('shares').select('owner_id').where('name', name).first();
    return { userId: share ? Number(share.owner_id) : null, path: `/${name}` };
  }
  const user = await trx('users').select('id').where('username', name).first();
  return { userId: user ? Number(user.id) : null, path: `/homes/${name}` };
}

/**
 * Files the user owns outside their home (those they created in shares) go to the area's owner,
 * the share's owner, with their bytes moved to that owner's usage; share usage is unchanged since
 * the files stay where they are. Each area is audited as `file.reassign`.
 */
export async function reassignElsewhere(core: VfsCore, trx: Knex.Transaction, actor: RequestActor<Principal>, userId: number, homeArea: string): Promise<Reassignment[]> {
  const areas: Array<{ area: string }> = await trx('file_owners').distinct('area').where('owner_id', userId).whereNot('area', homeArea).orderBy('area');
  const out: Reassignment[] = [];
  for (const { area } of areas) {
    const totals = (await totalsByOwner(trx, { owner_id: userId, area })).get(userId) ?? { files: 0, bytes: 0 };
    const propBytes = (await propertyBytesByOwner(trx, { owner_id: userId, area })).get(userId) ?? 0;
    const heir = await heirOf(trx, area);
    const rows = trx('file_owners').where({ owner_id: userId, area });
    if (heir.userId === null) await rows.delete();
    else {
      await rows.update({ owner_id: heir.userId });
      await core.ledger.applyUsage(trx, [{ scope: 'user', subjectId: heir.userId, files: totals.files, bytes: totals.bytes + propBytes }]);
    }
    out.push({ area: heir.path, toUserId: heir.userId, ...totals });
    await auditFile(core, actor, 'file.reassign', heir.path, { fromUserId: userId, toUserId: heir.userId, ...totals }, trx);
  }
  return out;
}

/**
 * Drops every record of the home area (owners, dead properties); bytes recorded there for
 * anyone but the user (file and property bytes) leave those owners' usage. Returns the user's
 * own files and bytes there.
 */
export async function dropHomeRows(core: VfsCore, trx: Knex.Transaction, userId: number, homeArea: string): Promise<Totals> {
  const byOwner = await totalsByOwner(trx, { area: homeArea });
  const others = [...byOwner].filter(([owner]) => owner !== userId);
  const propBytes = await propertyBytesByOwner(trx, { area: homeArea });
  for (const [owner] of propBytes) if (owner !== userId && !byOwner.has(owner)) others.push([owner, { files: 0, bytes: 0 }]);
  await core.ledger.applyUsage(
    trx,
    others.map(([subjectId, t]) => ({ scope: 'user' as const, subjectId, bytes: -(t.bytes + (propBytes.get(subjectId) ?? 0)), files: -t.files })),
  );
  await trx('file_owners').where('area', homeArea).delete();
  await trx('dead_properties').where('area', homeArea).delete();
  return byOwner.get(userId) ?? { files: 0, bytes: 0 };
}

/** The user's usage row, reservations, share ACL entries and tus sessions go; returns the ids of those sessions. */
export async function dropUserRows(trx: Knex.Transaction, userId: number): Promise<string[]> {
  const uploads: Array<{ id: string }> = await trx('tus_uploads').select('id').where('user_id', userId);
  await trx('tus_uploads').where('user_id', userId).delete();
  await trx('quota_reservations').where('user_id', userId).delete();
  await trx('storage_usage').where({ scope: 'user', subject_id: userId }).delete();
  await trx('share_acl').where('user_id', userId).delete();
  return uploads.map((u) => u.id);
}
