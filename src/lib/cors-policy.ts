/**
 * nasd's one CORS policy, used by the admin API, the admin UI and tus (`/api/uploads`): closed
 * unless `NASD_CORS_ORIGINS` names origins, and then open to exactly those origins, without
 * credentials (no `Access-Control-Allow-Credentials`: cookies never go cross-site). WebDAV sends no
 * CORS headers at all. An origin is compared as the exact `scheme://host[:port]` string.
 */
export class CorsPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins);
  }

  /** Whether cross-origin requests from `origin` get CORS headers. */
  allows(origin: string | undefined): origin is string {
    return origin !== undefined && origin !== '' && this.allowed.has(origin);
  }

  /**
   * Whether a request's `Origin` may act on the caller's session: absent (not a browser, or a
   * same-origin GET), the server's own origin, or a configured one.
   */
  trustsOrigin(origin: string | undefined, ownOrigin: string): boolean {
    return origin === undefined || origin === ownOrigin || this.allows(origin);
  }

  /**
   * Headers answering a preflight from an allowed origin for `allowHeaders`; null for any other
   * origin, whose preflight then gets no CORS headers and fails in the browser.
   */
  preflightHeaders(origin: string | undefined, allowHeaders: readonly string[]): Record<string, string> | null {
    if (!this.allows(origin)) return null;
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
      'Access-Control-Allow-Headers': allowHeaders.join(', '),
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
  }

  /** Headers for an actual (non-preflight) response to `origin`; empty for a disallowed one. */
  responseHeaders(origin: string | undefined): Record<string, string> {
    return this.allows(origin) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
  }
}
