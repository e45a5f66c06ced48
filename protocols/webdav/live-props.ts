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

/** One-entry caches of the last date formatted: the members of a folder often share their times. */
let lastModifiedSecond = Number.NaN;
let lastModifiedText = '';
let lastCreatedMs = Number.NaN;
let lastCreatedText = '';

/** RFC 1123 date (second precision) of an mtime, as DAV:getlastmodified carries it. */
function httpDate(mtimeMs: number): string {
  const second = Math.floor(mtimeMs / 1000);
  if (second !== lastModifiedSecond) {
    lastModifiedSecond = second;
    lastModifiedText = new Date(mtimeMs).toUTCString();
  }
  return lastModifiedText;
}

/** ISO 8601 date of a birth time, as DAV:creationdate carries it. */
function isoDate(birthtimeMs: number): string {
  if (birthtimeMs !== lastCreatedMs) {
    lastCreatedMs = birthtimeMs;
    lastCreatedText = new Date(birthtimeMs).toISOString();
  }
  return lastCreatedText;
}

/** An ETag as XML text: VFS ETags are `"hex-hex-hex"`, whose only character to escape is the quote. */
function etagText(e: Pick<EntryStat, 'etag'>): string {
  const tag = formatEtag(e);
  return PLAIN_ETAG.test(tag) ? `&quot;${tag.slice(1, -1)}&quot;` : escapeXml(tag);
}
const PLAIN_ETAG = /^"[0-9a-f-]*"$/;

/**
 * Every ALLPROP_LIVE property of an entry, in that order: what livePropXml gives for each, built
 * in one go (a PROPFIND of a large folder builds this for every member).
 */
export function allpropXml(e: EntryStat, extras: LiveExtras): string {
  const file = e.type === 'file';
  return (
    `<D:creationdate>${isoDate(e.birthtimeMs)}</D:creationdate>` +
    `<D:displayname>${escapeXml(e.name)}</D:displayname>` +
    (file ? `<D:getcontentlength>${e.size}</D:getcontentlength><D:getcontenttype>${contentTypeFor(e.name)}</D:getcontenttype>` : '') +
    `<D:getetag>${etagText(e)}</D:getetag>` +
    `<D:getlastmodified>${httpDate(e.mtimeMs)}</D:getlastmodified>` +
    (file ? '<D:resourcetype/>' : '<D:resourcetype><D:collection/></D:resourcetype>') +
    SUPPORTED_LOCK +
    (extras.lockXml ? `<D:lockdiscovery>${extras.lockXml}</D:lockdiscovery>` : '<D:lockdiscovery/>')
  );
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
      return `<D:getlastmodified>${httpDate(e.mtimeMs)}</D:getlastmodified>`;
    case 'creationdate':
      return `<D:creationdate>${isoDate(e.birthtimeMs)}</D:creationdate>`;
    case 'getetag':
      return `<D:getetag>${etagText(e)}</D:getetag>`;
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
