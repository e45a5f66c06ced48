import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../src/lib/log.js';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import type { DavLockStore, Vfs } from '../../src/vfs/index.js';
import { header, readSmallBody } from './body.js';
import { DavError } from './errors.js';
import { parseIfHeader, type IfHeader } from './if-header.js';
import { hrefFor, resolveUri, type DavTarget } from './paths.js';
import { parseXml, type XmlElement } from './xml.js';

/** What every method handler needs, built once by createWebdavHandler. */
export interface DavDeps {
  vfs: Vfs;
  locks: DavLockStore;
  logger: Logger;
  /** Mount prefix without trailing slash (`/dav`). */
  prefix: string;
  /** Largest XML request body (PROPFIND, PROPPATCH, LOCK), bytes. */
  maxXmlBytes: number;
  /** Longest lock timeout granted, seconds (Infinite is capped to this). */
  maxLockSeconds: number;
  /** Lock timeout when the client sends none, seconds. */
  defaultLockSeconds: number;
}

/** The parsed If header (null when absent); a malformed one is a 400. */
export function readIfHeader(req: IncomingMessage): IfHeader | null {
  const raw = req.headers.if;
  return raw === undefined ? null : parseIfHeader(Array.isArray(raw) ? raw.join(' ') : raw);
}

/** One authenticated request. */
export class DavContext {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly deps: DavDeps,
    readonly actor: RequestActor<Principal>,
    readonly target: DavTarget,
    /** The request's If header (readIfHeader). */
    readonly ifHeader: IfHeader | null,
  ) {}

  get vfs(): Vfs {
    return this.deps.vfs;
  }

  /** The href of a virtual path on this mount. */
  href(path: string, collection: boolean): string {
    return hrefFor(this.deps.prefix, path, collection);
  }

  /** Maps a URI from a header (Destination, If tag) to a target on this mount, or null. */
  resolve(uri: string): DavTarget | null {
    return resolveUri(uri, this.req.headers.host, this.deps.prefix);
  }

  /** Reads and parses the XML body; null when there is none. */
  async xmlBody(): Promise<XmlElement | null> {
    const body = await readSmallBody(this.req, this.deps.maxXmlBytes);
    if (body.length === 0) return null;
    return parseXml(body);
  }

  /** The Depth header: '0', '1', 'infinity', or `fallback` when absent; anything else is a 400. */
  depth<T extends string>(allowed: readonly T[], fallback: T): T {
    const raw = header(this.req, 'depth');
    if (raw === undefined) return fallback;
    const v = raw.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) throw new DavError('VALIDATION', `Depth: ${raw.slice(0, 20)} is not allowed here`);
    return v as T;
  }

  /** Ends the response with no body. */
  empty(status: number, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, { ...headers, 'Content-Length': '0' });
    this.res.end();
  }

  /** Ends the response with an XML document. */
  xml(status: number, body: string, headers: Record<string, string> = {}): void {
    const buf = Buffer.from(body, 'utf8');
    this.res.writeHead(status, { ...headers, 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(buf.length) });
    this.res.end(buf);
  }
}
