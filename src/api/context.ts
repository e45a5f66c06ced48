import type Koa from 'koa';
import type { Logger } from '../lib/log.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/** The authenticated caller of an API request. */
export interface ApiPrincipal extends Principal {
  /** Refresh-token family of the session the access token belongs to. */
  sessionId?: string;
}

export interface ApiState {
  requestId: string;
  log: Logger;
  /** Set by the auth middleware when a valid bearer token came with the request. */
  principal?: ApiPrincipal;
  /** Why the bearer token was refused, raised only when a route needs a principal. */
  authError?: Error;
  /** Who is calling, set once after bearer auth (apiActor) and handed to every service call. */
  actor: RequestActor<ApiPrincipal | null>;
}

export type ApiContext = Koa.ParameterizedContext<ApiState>;

/** Verifies a bearer access token; throws AuthError(UNAUTHENTICATED) when it is not valid. */
export type BearerVerifier = (token: string) => Promise<ApiPrincipal>;
