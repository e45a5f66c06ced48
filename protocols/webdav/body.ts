import type { IncomingMessage } from 'node:http';
import { readUpTo } from '../../src/lib/body-prefix.js';
import { DavError } from './errors.js';

/** Refuses a request body in an encoding nasd does not decode (anything but identity) with 415. */
export function assertIdentityEncoding(req: IncomingMessage): void {
  const enc = req.headers['content-encoding'];
  if (enc !== undefined && enc.trim().toLowerCase() !== 'identity' && enc.trim() !== '') {
    throw new DavError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${enc.slice(0, 40)} is not supported`);
  }
}

/** True when the request announces a body (a non-zero Content-Length or chunked transfer). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a small request body (an XML document) into memory, refusing more than `limit` bytes
 * with 413 before reading it when Content-Length says so, or as soon as the stream passes it.
 */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  assertIdentityEncoding(req);
  if (!hasBody(req)) return Buffer.alloc(0);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new DavError('PAYLOAD_TOO_LARGE', `request body larger than ${limit} bytes`);
  // readUpTo leaves the request paused past the limit (not destroyed), so the 413 still reaches the client.
  const head = await readUpTo(req, limit);
  if (!head.ended) throw new DavError('PAYLOAD_TOO_LARGE', `request body larger than ${limit} bytes`);
  return Buffer.concat(head.chunks);
}

/** A request header as one string (repeated headers joined with ", "), or undefined. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
