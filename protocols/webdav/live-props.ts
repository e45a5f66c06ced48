import mime from 'mime-types';
import type { DavLock, EntryStat, QuotaInfo } from '../../src/vfs/index.js';
import { escapeXml } from './xml.js';

/** Live properties nasd computes (RFC 4918 §15 and RFC 4331 §3–4), all in the DAV: namespace. */
export const LIVE_PROPS = new Set([
  'creationdate',
  'displayname',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'getlastmodified',
  'resourcetype',
  'supportedlock',
  'lockdiscovery',
  'quota-available-bytes',
  'quota-used-bytes',
]);

/** Live properties that allprop returns: RFC 4331 quota properties are excluded (RFC 4331 §3). */
export const ALLPROP_LIVE = [...LIVE_PROPS].filter((p) => !p.startsWith('quota-'));

const SUPPORTED_LOCK =
  '<D:supportedlock>' +
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '</D:supportedlock>';

/** The ETag as sent on the wire: the VFS validator, quoted unless it already is. */
export function formatEtag(stat: Pick<EntryStat, 'etag'>): string {
  const e = stat.etag;
  return e.startsWith('"') || e.startsWith('W/"') ? e : `"${e}"`;
}

const typeByExt = new Map<string, string>();

/** Content-Type by file name (cached per extension): mime-types, else application/octet-stream. */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  let t = typeByExt.get(ext);
  if (t === undefined) {
    t = (ext && mime.contentType(ext)) || 'application/octet-stream';
    if (typeByExt.size < 1000) typeByExt.set(ext, t);
  }
  return t;
}

/** One DAV:activelock element; `rootHref` is the lock root as this client addresses it. */
export function activeLockXml(lock: DavLock, rootHref: string, now = Date.now()): string {
  const remaining = Math.max(0, Math.ceil((lock.expiresAtMs - now) / 1000));
  return (
    `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
    `<D:depth>${lock.depth === '0' ? '0' : 'infinity'}</D:depth>` +
    (lock.ownerXml ? `<D:owner>${lock.ownerXml}</D:owner>` : '') +
    `<D:timeout>Second-${remaining}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${rootHref}</D:href></D:lockroot></D:activelock>`
  );
}

/** Extra facts some live properties need, computed once per request rather than per entry. */
export interface LiveExtras {
  /** Inner XML of DAV:lockdiscovery for this entry ('' = no locks). */
  lockXml: string;
  quota?: QuotaInfo;
}

/**
 * The XML of one live property of an entry, or null when the entry does not have it
 * (getcontentlength/getcontenttype on a collection, quota without quota info).
 */
export function livePropXml(name: string, e: EntryStat, extras: LiveExtras): string | null {
  const dir = e.type === 'directory';
  switch (name) {
    case 'resourcetype':
      return dir ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>';
    case 'getcontentlength':
      return dir ? null : `<D:getcontentlength>${e.size}</D:getcontentlength>`;
    case 'getcontenttype':
      return dir ? null : `<D:getcontenttype>${contentTypeFor(e.name)}</D:getcontenttype>`;
    case 'getlastmodified':
      return `<D:getlastmodified>${new Date(e.mtimeMs).toUTCString()}</D:getlastmodified>`;
    case 'creationdate':
      return `<D:creationdate>${new Date(e.birthtimeMs).toISOString()}</D:creationdate>`;
    case 'getetag':
      return `<D:getetag>${escapeXml(formatEtag(e))}</D:getetag>`;
    case 'displayname':
      return `<D:displayname>${escapeXml(e.name)}</D:displayname>`;
    case 'supportedlock':
      return SUPPORTED_LOCK;
    case 'lockdiscovery':
      return extras.lockXml ? `<D:lockdiscovery>${extras.lockXml}</D:lockdiscovery>` : '<D:lockdiscovery/>';
    case 'quota-available-bytes':
      return extras.quota ? `<D:quota-available-bytes>${extras.quota.availableBytes}</D:quota-available-bytes>` : null;
    case 'quota-used-bytes':
      return extras.quota ? `<D:quota-used-bytes>${extras.quota.usedBytes}</D:quota-used-bytes>` : null;
    default:
      return null;
  }
}
