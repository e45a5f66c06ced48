import type { IncomingMessage } from 'node:http';
import { clientAddress } from './client-address.js';

/** A signed-in user, as a verified credential proves them. */
export interface Principal {
  userId: number;
  username: string;
  isAdmin: boolean;
}

/** The way a request reached nasd; the audit log and the upload metrics are kept by it. */
export type RequestProtocol = 'api' | 'webdav' | 'tus' | 'smb' | 'cli' | 'system';

/**
 * Who is calling and from where: built once per request by its edge (the API's middleware,
 * WebDAV, tus, the CLI, the scheduler) and passed unchanged to every service and VFS call the
 * request makes, which audit it (`auditedBy` in src/audit) and check permissions on its principal.
 * Storage needs a signed-in caller: `RequestActor<Principal>`.
 *
 * One object stands for one top-level operation: events logged once per operation (an
 * administrator entering another user's home) are written once per actor object, so a zip of a
 * thousand files or a PROPFIND Depth infinity is one audit row, not a thousand.
 */
export interface RequestActor<P extends Principal | null = Principal | null> {
  /** The signed-in user; null before sign-in, for the system and for the CLI. */
  principal: P;
  /** Who acts without a principal, as the audit log names them: the CLI's `cli:<os user>`, `scheduler`. */
  operator?: string;
  protocol: RequestProtocol;
  /** The client's address (behind a trusted proxy, the one it reports). */
  address?: string;
  userAgent?: string;
  /**
   * WebDAV lock tokens the client submitted (its If header). A change to a locked resource needs
   * one of the actor's own locks on it, by token; protocols that cannot send tokens leave this out
   * and are refused (LOCKED) wherever a lock applies.
   */
  lockTokens?: ReadonlySet<string>;
}

/** The actor of an HTTP request: its client address (see clientAddress) and user agent. */
export function requestActor<P extends Principal | null>(req: IncomingMessage, protocol: RequestProtocol, principal: P, trustProxy: boolean): RequestActor<P> {
  const userAgent = req.headers['user-agent'];
  return { principal, protocol, address: clientAddress(req, trustProxy), ...(userAgent ? { userAgent } : {}) };
}

/** The same caller once its credential names `principal` (or, with null, before it does). */
export function actingAs<P extends Principal | null>(actor: RequestActor, principal: P): RequestActor<P> {
  return { ...actor, principal };
}

/** nasd acting on its own (first start, scheduled jobs): no user, no client; `operator` names it in the audit log. */
export function systemActor(operator?: string): RequestActor<null> {
  return { principal: null, protocol: 'system', ...(operator ? { operator } : {}) };
}
