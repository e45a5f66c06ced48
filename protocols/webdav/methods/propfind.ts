import type { ContentHashes, DavLock, DeadProperty, EntryStat, QuotaInfo } from '../../../src/vfs/index.js';
import { CHECKSUMS_NAME, checksumsXml, isChecksums } from '../checksums.js';
import { lockRootPath } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { activeLockXml, ALLPROP_LIVE, allpropXml, LIVE_PROPS, livePropXml } from '../live-props.js';
import { MultistatusWriter, statusLine } from '../multistatus.js';
import { encodeSegment } from '../paths.js';
import { childElements, DAV_NS, propertyXml, type XmlElement } from '../xml.js';

interface PropName {
  ns: string;
  local: string;
}

/** What the client asked for: everything, only names, or a list (allprop may include more). */
interface PropfindRequest {
  mode: 'allprop' | 'propname' | 'prop';
  props: PropName[];
}

/**
 * Most properties one PROPFIND may name. Real clients ask for a few dozen; a body naming tens of
 * thousands turns every member of a folder into a response of that many elements (amplification).
 */
export const MAX_PROPFIND_PROPERTIES = 1000;

function tooManyProperties(): DavError {
  // RFC 9110 §15.5.14: 413 when the request content is larger than the server is willing to process.
  return new DavError('PAYLOAD_TOO_LARGE', `PROPFIND names more than ${MAX_PROPFIND_PROPERTIES} properties`);
}

function parseRequest(body: XmlElement | null): PropfindRequest {
  if (!body) return { mode: 'allprop', props: [] };
  if (body.ns !== DAV_NS || body.local !== 'propfind') throw new DavError('VALIDATION', 'PROPFIND body must be a DAV:propfind element');
  let mode: PropfindRequest['mode'] | undefined;
  const props: PropName[] = [];
  for (const c of childElements(body)) {
    if (c.ns !== DAV_NS) continue;
    if (c.local === 'allprop' || c.local === 'propname' || c.local === 'prop') {
      if (mode) throw new DavError('VALIDATION', 'PROPFIND must hold exactly one of allprop, propname or prop');
      mode = c.local;
      if (c.local === 'prop') for (const p of childElements(c)) props.push({ ns: p.ns, local: p.local });
    } else if (c.local === 'include') {
      for (const p of childElements(c)) props.push({ ns: p.ns, local: p.local });
    }
    if (props.length > MAX_PROPFIND_PROPERTIES) throw tooManyProperties();
  }
  if (!mode) throw new DavError('VALIDATION', 'PROPFIND must hold allprop, propname or prop');
  return { mode, props: mode === 'propname' ? [] : props };
}

/** Per-request facts shared by all entries, fetched with a fixed number of queries. */
interface Shared {
  req: PropfindRequest;
  locks: DavLock[];
  targetKey: string;
  quota?: QuotaInfo;
}

function lockXmlFor(ctx: DavContext, shared: Shared, e: EntryStat, href: string, key: string): string {
  if (shared.locks.length === 0) return '';
  let out = '';
  for (const l of shared.locks) {
    if (l.key === key || (l.depth === 'infinity' && key.startsWith(`${l.key}/`))) {
      const root = l.key === key ? href : ctx.href(lockRootPath(l, e.path, key), true);
      out += activeLockXml(l, root);
    }
  }
  return out;
}

/** A dead property that a computed one hides (a client's PROPPATCH cannot stand in for it). */
function isShadowed(d: DeadProperty): boolean {
  return (d.ns === DAV_NS && LIVE_PROPS.has(d.name)) || isChecksums(d.ns, d.name);
}

function entryXml(ctx: DavContext, shared: Shared, e: EntryStat, href: string, key: string, dead: DeadProperty[] | undefined, hashes?: ContentHashes): string {
  const { req } = shared;
  const extras = { lockXml: lockXmlFor(ctx, shared, e, href, key), quota: shared.quota };
  let ok = '';
  let missing = '';
  if (req.mode === 'propname') {
    for (const name of LIVE_PROPS) if (livePropXml(name, e, extras) !== null) ok += `<D:${name}/>`;
    if (e.type === 'file') ok += CHECKSUMS_NAME;
    if (dead) for (const d of dead) if (!isChecksums(d.ns, d.name)) ok += propertyXml(d.ns, d.name, '');
  } else {
    if (req.mode === 'allprop') {
      ok += allpropXml(e, extras);
      if (dead) for (const d of dead) if (!isShadowed(d)) ok += propertyXml(d.ns, d.name, d.xml);
    }
    for (const p of req.props) {
      if (req.mode === 'allprop' && p.ns === DAV_NS && ALLPROP_LIVE.includes(p.local)) continue;
      if (isChecksums(p.ns, p.local)) {
        if (hashes) ok += checksumsXml(hashes);
        else if (req.mode === 'prop') missing += CHECKSUMS_NAME;
        continue;
      }
      const live = p.ns === DAV_NS && LIVE_PROPS.has(p.local) ? livePropXml(p.local, e, extras) : undefined;
      if (live) {
        ok += live;
        continue;
      }
      const d = live === undefined ? dead?.find((x) => x.ns === p.ns && x.name === p.local) : undefined;
      if (d) ok += propertyXml(d.ns, d.name, d.xml);
      else if (req.mode === 'prop') missing += propertyXml(p.ns, p.local, '');
    }
  }
  let s = `<D:response><D:href>${href}</D:href>`;
  if (ok || !missing) s += `<D:propstat><D:prop>${ok}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`;
  if (missing) s += `<D:propstat><D:prop>${missing}</D:prop><D:status>${statusLine(404)}</D:status></D:propstat>`;
  return `${s}</D:response>`;
}

/** Content hashes are read only for a request that names oc:checksums (prop or allprop's include). */
function needsHashes(req: PropfindRequest): boolean {
  return req.props.some((p) => isChecksums(p.ns, p.local));
}

function needsDead(req: PropfindRequest): boolean {
  return req.mode !== 'prop' || req.props.some((p) => !(p.ns === DAV_NS && LIVE_PROPS.has(p.local)) && !isChecksums(p.ns, p.local));
}

function needs(req: PropfindRequest, name: string): boolean {
  return req.mode === 'allprop' ? ALLPROP_LIVE.includes(name) || req.props.some((p) => p.ns === DAV_NS && p.local === name)
    : req.mode === 'propname' ? false
    : req.props.some((p) => p.ns === DAV_NS && p.local === name);
}

/**
 * PROPFIND (RFC 4918 §9.1) at Depth 0 or 1 (infinity → 403 propfind-finite-depth). Dead
 * properties of all members and locks below the target are fetched once, the members a batch
 * at a time; each response element is built as one string and streamed with backpressure.
 */
export async function propfind(ctx: DavContext): Promise<void> {
  const depth = ctx.depth(['0', '1', 'infinity'], 'infinity');
  if (depth === 'infinity') throw new DavError('FORBIDDEN', 'PROPFIND with Depth: infinity is not supported', 'propfind-finite-depth');
  const req = parseRequest(await ctx.xmlBody());
  const { vfs, actor } = ctx;
  const path = ctx.target.path;
  const stat = await vfs.stat(actor, path);
  const isDir = stat.type === 'directory';
  const withMembers = depth === '1' && isDir;
  // Members come a batch at a time; the first is read before the 207 starts, so an error about the folder is still a status.
  const members = withMembers ? vfs.listInBatches(actor, path)[Symbol.asyncIterator]() : undefined;
  const first = members ? await members.next() : undefined;
  const wantLocks = needs(req, 'lockdiscovery');
  const targetKey = wantLocks ? await vfs.storageKey(actor, path) : '';
  const shared: Shared = {
    req,
    targetKey,
    locks: wantLocks ? await ctx.deps.locks.affecting(targetKey, { members: withMembers }) : [],
    quota: needs(req, 'quota-available-bytes') || needs(req, 'quota-used-bytes') ? await vfs.quota(actor, path) : undefined,
  };
  const dead = needsDead(req);
  const targetDead = dead ? await vfs.getProperties(actor, path) : undefined;
  const childDead = dead && withMembers ? await vfs.listChildProperties(actor, path) : undefined;

  const wantHashes = needsHashes(req);
  const targetHashes = wantHashes && !isDir ? (await vfs.contentHashes(actor, [stat])).get(stat.path) : undefined;
  const memberHashes = wantHashes && withMembers ? await vfs.memberHashes(actor, path) : undefined;

  const writer = new MultistatusWriter(ctx.res);
  const href = ctx.href(path, isDir);
  await writer.add(entryXml(ctx, shared, stat, href, targetKey, targetDead, targetHashes));
  const base = href.endsWith('/') ? href : `${href}/`;
  const keyBase = `${targetKey}/`;
  for (let batch = first; members && batch && !batch.done; batch = await members.next()) {
    const hashes = memberHashes ? await memberHashes(batch.value) : undefined;
    for (const e of batch.value) {
      const childHref = base + encodeSegment(e.name) + (e.type === 'directory' ? '/' : '');
      const childShared = e.virtual && shared.quota ? { ...shared, quota: await vfs.quota(actor, e.path) } : shared;
      await writer.add(entryXml(ctx, childShared, e, childHref, keyBase + e.name, childDead?.get(e.name), hashes?.get(e.path)));
    }
  }
  writer.end();
}
