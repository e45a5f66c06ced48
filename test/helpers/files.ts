import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import type { Nasd } from '../../src/main.js';
import { api, type TestServer } from './server.js';

/**
 * Percent-encodes every UTF-8 byte of `value` except unreserved characters, so a query carries
 * exactly the string the server will decode once (a lone surrogate goes out as U+FFFD's bytes).
 */
export function q(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A VFS actor for a user created in a test (seeding goes straight through the VFS). */
export function actorOf(user: { id: number; username: string }, isAdmin = false): RequestActor<Principal> {
  return { principal: { userId: user.id, username: user.username, isAdmin }, protocol: 'system' };
}

/** Creates folders (paths ending in `/`) and files through the VFS as `actor`, in order. */
export async function seed(nasd: Nasd, actor: RequestActor<Principal>, entries: Record<string, string | Buffer>): Promise<void> {
  for (const [p, content] of Object.entries(entries)) {
    if (p.endsWith('/')) await nasd.vfs.mkdir(actor, p.slice(0, -1));
    else await nasd.vfs.write(actor, p, Readable.from([Buffer.from(content)]));
  }
}

/** Every file and folder below `dir` with a digest of its content: equal snapshots mean nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      const rel = path.relative(dir, abs);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(abs);
      } else {
        out[rel] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Creates a share as the admin and sets its ACL; returns its id. */
export async function createShare(srv: TestServer, adminToken: string, name: string, acl: Array<{ userId: number; access: 'none' | 'read' | 'write' | 'full' }>): Promise<number> {
  const res = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name } });
  if (res.status !== 201) throw new Error(`creating share ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const set = await api(srv.baseUrl, 'PUT', `/api/shares/${res.body.id}/acl`, { token: adminToken, body: { entries: acl } });
  if (set.status !== 200) throw new Error(`setting the ACL of ${name} failed: ${set.status}`);
  return res.body.id;
}

/** A raw GET with a bearer token: status, headers and the body as bytes. */
export async function getBytes(baseUrl: string, pathAndQuery: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
