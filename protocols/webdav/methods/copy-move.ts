import { header } from '../body.js';
import { checkWrite, statOrNull, type WriteTarget } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';

function overwriteFlag(ctx: DavContext): boolean {
  const v = header(ctx.req, 'overwrite');
  if (v === undefined) return true;
  const t = v.trim().toUpperCase();
  if (t !== 'T' && t !== 'F') throw new DavError('VALIDATION', 'Overwrite must be T or F');
  return t === 'T';
}

function destination(ctx: DavContext): string {
  const raw = header(ctx.req, 'destination');
  if (raw === undefined || raw.trim() === '') throw new DavError('VALIDATION', 'Destination header is missing');
  const target = ctx.resolve(raw.trim());
  if (!target) throw new DavError('BAD_GATEWAY', 'Destination is not on this server');
  return target.path;
}

/**
 * COPY and MOVE (RFC 4918 §9.8, §9.9): Destination must be on this server under the mount
 * (else 502); Overwrite F with an existing destination is 412; Depth 0 copies a collection
 * without members, MOVE is always infinity. Locks stay with URLs: a MOVE drops the source's
 * locks (in the VFS), and locks at the destination keep covering what lands there (RFC 4918 §7.7).
 * 201 when the destination was created, 204 when replaced.
 */
export async function copyMove(ctx: DavContext, move: boolean): Promise<void> {
  const { vfs, actor } = ctx;
  const from = ctx.target.path;
  const to = destination(ctx);
  const overwrite = overwriteFlag(ctx);
  const depth = move ? ctx.depth(['infinity'], 'infinity') : ctx.depth(['0', 'infinity'], 'infinity');
  const source = await vfs.stat(actor, from);
  if (to === from) throw new DavError('FORBIDDEN', 'source and destination are the same resource');
  if (to.startsWith(`${from === '/' ? '' : from}/`)) throw new DavError('FORBIDDEN', 'destination lies inside the source');
  const dest = await statOrNull(ctx, to);
  if (dest && !overwrite) throw new DavError('PRECONDITION_FAILED', 'destination exists and Overwrite is F');

  const targets: WriteTarget[] = [];
  if (move) targets.push({ path: from, stat: source, members: true, parent: true });
  targets.push({ path: to, stat: dest, members: dest !== null, parent: true });
  await checkWrite(ctx, targets);

  const result = move
    ? await vfs.move(actor, from, to, { overwrite })
    : await vfs.copy(actor, from, to, { overwrite, depth: depth === '0' ? 0 : 'infinity' });
  ctx.empty(result.created ? 201 : 204);
}
