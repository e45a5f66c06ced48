import { isAppError, type AppError } from '../../../src/lib/errors.js';
import type { DeadProperty, PropertyPatch } from '../../../src/vfs/index.js';
import { checkWrite } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { LIVE_PROPS } from '../live-props.js';
import { MultistatusWriter, responseXml } from '../multistatus.js';
import { childElements, DAV_NS, innerXml, propertyXml, textOf, type XmlElement } from '../xml.js';

/** Windows' Mini-Redirector sets these after every upload; nasd accepts them (mtime is applied). */
const MS_NS = 'urn:schemas-microsoft-com:';
const WIN32_PROPS = new Set(['Win32CreationTime', 'Win32LastModifiedTime', 'Win32LastAccessTime', 'Win32FileAttributes']);

interface Instruction {
  op: 'set' | 'remove';
  el: XmlElement;
}

/** Most properties one PROPPATCH may set or remove (the same bound as PROPFIND's list). */
export const MAX_PROPPATCH_PROPERTIES = 1000;

function parseInstructions(body: XmlElement | null): Instruction[] {
  if (!body || body.ns !== DAV_NS || body.local !== 'propertyupdate') {
    throw new DavError('VALIDATION', 'PROPPATCH body must be a DAV:propertyupdate element');
  }
  const out: Instruction[] = [];
  for (const c of childElements(body)) {
    if (c.ns !== DAV_NS || (c.local !== 'set' && c.local !== 'remove')) continue;
    for (const prop of childElements(c)) {
      if (prop.ns !== DAV_NS || prop.local !== 'prop') continue;
      for (const el of childElements(prop)) out.push({ op: c.local, el });
    }
    // RFC 9110 §15.5.14: 413 when the request content is larger than the server is willing to process.
    if (out.length > MAX_PROPPATCH_PROPERTIES) throw new DavError('PAYLOAD_TOO_LARGE', `PROPPATCH names more than ${MAX_PROPPATCH_PROPERTIES} properties`);
  }
  if (out.length === 0) throw new DavError('VALIDATION', 'PROPPATCH holds no property to set or remove');
  return out;
}

function parseWin32Time(el: XmlElement): number {
  const ms = Date.parse(textOf(el).trim());
  if (!Number.isFinite(ms)) throw new DavError('VALIDATION', `${el.local} is not a date`);
  return ms;
}

/**
 * The set instructions a QUOTA_EXCEEDED from the VFS is about: the properties it names (a size
 * cap), else every property being set (the owner's quota).
 */
function storageFailures(instructions: Instruction[], err: AppError): Instruction[] {
  const named = (err.details as { properties?: Array<{ ns: string; name: string }> } | undefined)?.properties;
  const sets = instructions.filter((i) => i.op === 'set');
  if (!named) return sets;
  return sets.filter((i) => named.some((p) => p.ns === i.el.ns && p.name === i.el.local));
}

/**
 * PROPPATCH (RFC 4918 §9.2): instructions apply in document order, all or none. Protected live
 * properties fail with 403 and everything else then reports 424 Failed Dependency. Dead
 * properties keep their exact namespace and value XML. A property too large to keep (a size
 * cap, or its owner's quota) is 507 Insufficient Storage in its propstat, "the server did not
 * have sufficient space to record the property" (RFC 4918 §9.2.1), the rest 424.
 */
export async function proppatch(ctx: DavContext): Promise<void> {
  const instructions = parseInstructions(await ctx.xmlBody());
  const { vfs, actor } = ctx;
  const path = ctx.target.path;
  const stat = await vfs.stat(actor, path);
  await checkWrite(ctx, [{ path, stat }]);
  await vfs.assertWritable(actor, path);

  const failed = new Set<Instruction>();
  const final = new Map<string, { ns: string; name: string; set?: DeadProperty }>();
  let mtimeMs: number | undefined;
  for (const ins of instructions) {
    const { ns, local } = ins.el;
    if (ns === DAV_NS && LIVE_PROPS.has(local)) {
      failed.add(ins);
    } else if (ns === MS_NS && WIN32_PROPS.has(local)) {
      if (ins.op === 'set' && local === 'Win32LastModifiedTime') mtimeMs = parseWin32Time(ins.el);
    } else {
      final.set(`${ns}\u0000${local}`, { ns, name: local, set: ins.op === 'set' ? { ns, name: local, xml: innerXml(ins.el) } : undefined });
    }
  }

  const noRoom = new Set<Instruction>();
  if (failed.size === 0) {
    const patch: PropertyPatch = { set: [], remove: [] };
    for (const f of final.values()) {
      if (f.set) patch.set.push(f.set);
      else patch.remove.push({ ns: f.ns, name: f.name });
    }
    try {
      if (patch.set.length > 0 || patch.remove.length > 0) await vfs.patchProperties(actor, path, patch);
    } catch (err) {
      if (!(isAppError(err) && err.code === 'QUOTA_EXCEEDED')) throw err;
      for (const ins of storageFailures(instructions, err)) noRoom.add(ins);
    }
    if (mtimeMs !== undefined && noRoom.size === 0) await vfs.setMtime(actor, path, mtimeMs);
  }

  const groups = new Map<number, string>();
  for (const ins of instructions) {
    const status = failed.size === 0 && noRoom.size === 0 ? 200 : failed.has(ins) ? 403 : noRoom.has(ins) ? 507 : 424;
    groups.set(status, (groups.get(status) ?? '') + propertyXml(ins.el.ns, ins.el.local, ''));
  }
  const writer = new MultistatusWriter(ctx.res);
  await writer.add(responseXml(ctx.href(path, stat.type === 'directory'), [...groups].map(([status, props]) => ({ status, props }))));
  writer.end();
}
