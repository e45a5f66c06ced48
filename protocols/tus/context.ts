import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';

/** What the tus mount learned about the current request before handing it to @tus/server. */
export interface TusRequestContext {
  actor: RequestActor<Principal>;
  /** Parsed `Upload-Checksum` (tus checksum extension), when the client sent one. */
  checksum?: { algorithm: 'sha1' | 'sha256'; digest: Buffer };
}

/**
 * @tus/server calls the DataStore with only (stream, id, offset); the authenticated actor and the
 * chunk's checksum travel beside the call through async context instead of module state.
 */
export const tusRequestContext = new AsyncLocalStorage<TusRequestContext>();

/** The current request's context; a DataStore call outside a request is a programming error. */
export function currentTusContext(): TusRequestContext {
  const ctx = tusRequestContext.getStore();
  if (!ctx) throw new Error('tus DataStore used outside an authenticated request');
  return ctx;
}
