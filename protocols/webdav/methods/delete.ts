import { checkWrite } from '../conditions.js';
import type { DavContext } from '../context.js';
import { httpPrecondition } from '../preconditions.js';
import { DavError } from '../errors.js';

/**
 * DELETE (RFC 4918 §9.6): removes a file or a whole tree (Depth must be infinity for a
 * collection). Every lock inside the tree must be submitted; the VFS drops the locks on it.
 */
export async function del(ctx: DavContext): Promise<void> {
  const { vfs, actor } = ctx;
  const path = ctx.target.path;
  const stat = await vfs.stat(actor, path);
  if (stat.type === 'directory') ctx.depth(['infinity'], 'infinity');
  const pre = httpPrecondition(ctx.req, stat, false);
  if (pre !== null) throw new DavError('PRECONDITION_FAILED', 'precondition failed');
  await checkWrite(ctx, [{ path, stat, members: true, parent: true }]);
  await vfs.remove(actor, path);
  ctx.empty(204);
}
