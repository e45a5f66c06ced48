import http from 'node:http';
import { Readable } from 'node:stream';

export interface DavResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface DavRequestOptions {
  /** [username, password] for Basic auth. */
  auth?: [string, string];
  headers?: Record<string, string>;
  /** A body; a Readable is sent chunked (no Content-Length). */
  body?: string | Buffer | Readable;
}

/** Basic credentials as an Authorization header value. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Percent-encodes every byte of a path except `/` and RFC 3986 unreserved characters. */
export function encodePath(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~/]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * One raw HTTP request (node:http, so any method, header and body shape is possible) with the
 * whole response body collected. `rawPath` goes on the request line as it is.
 */
export function dav(baseUrl: string, method: string, rawPath: string, options: DavRequestOptions = {}): Promise<DavResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.Authorization = basic(...options.auth);
  const body = options.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) headers['Content-Length'] ??= String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, text: buf.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

/** `<D:href>` values of a multistatus body, in order. */
export function hrefsOf(xml: string): string[] {
  return [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]);
}

/** PROPFIND body asking for the named DAV: properties. */
export function propfindBody(...props: string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>${props.map((p) => `<D:${p}/>`).join('')}</D:prop></D:propfind>`;
}

/** LOCK body for an exclusive (or shared) write lock. */
export function lockBody(scope: 'exclusive' | 'shared' = 'exclusive', owner = 'tester'): string {
  return `<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>${owner}</D:href></D:owner></D:lockinfo>`;
}
