import crypto from 'node:crypto';
import type http from 'node:http';
import type { Server as TusServer } from '@tus/server';
import type { CorsPolicy } from '../../src/lib/cors-policy.js';
import { AppError, isClientAbort, statusOf, type ErrorCode } from '../../src/lib/errors.js';
import { refusalFields, type Logger } from '../../src/lib/log.js';
import { requestActor, type Principal } from '../../src/lib/request-actor.js';
import type { UploadSessions } from '../../src/vfs/index.js';
import { tusRequestContext, type TusRequestContext } from './context.js';
import { VfsDataStore } from './vfs-datastore.js';

/** Verifies the API's bearer access token (the same verifier the admin API uses). */
export type TusTokenVerifier = (token: string) => Promise<Principal>;

export interface TusMountOptions {
  sessions: UploadSessions;
  verifyBearer: TusTokenVerifier;
  logger: Logger;
  /** Mount prefix; `/api/uploads` in nasd. */
  path: string;
  trustProxy: boolean;
  /** The API's CORS policy; tus answers cross-origin requests only for its origins. */
  cors: CorsPolicy;
}

/** tus's exception to `statusOf`: 413 for quota, as the tus protocol's max-size rule answers. */
const TUS_STATUS: Partial<Record<ErrorCode, number>> = { QUOTA_EXCEEDED: 413 };

/**
 * The ONE error mapping of the tus edge: AppErrors become their status with their message;
 * tus's own `{status_code, body}` errors pass through; anything else is a 500 whose text is hidden.
 */
export function mapTusError(err: unknown, logger: Logger): { status_code: number; body: string } | undefined {
  if (err instanceof AppError) {
    const status = TUS_STATUS[err.code] ?? statusOf(err.code);
    if (err.expose && err.code !== 'INTERNAL') {
      logger.info(refusalFields(status, err), 'tus request refused');
      return { status_code: status, body: `${err.message}\n` };
    }
    logger.error({ err }, 'tus request failed');
    return { status_code: 500, body: 'internal error\n' };
  }
  if (err && typeof err === 'object' && 'status_code' in err) return undefined;
  if (isClientAbort(err)) return { status_code: 400, body: 'the client went away\n' };
  logger.error({ err }, 'tus request failed');
  return { status_code: 500, body: 'internal error\n' };
}

const CHECKSUM = /^(sha1|sha256) ([A-Za-z0-9+/]+={0,2})$/;

/** Parses `Upload-Checksum: <algorithm> <base64>`; unsupported algorithms are a 400 (tus checksum extension). */
function parseChecksum(header: string | undefined): TusRequestContext['checksum'] | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = CHECKSUM.exec(header.trim());
  if (!m) return 'invalid';
  const digest = Buffer.from(m[2], 'base64');
  if (digest.length !== (m[1] === 'sha1' ? 20 : 32)) return 'invalid';
  return { algorithm: m[1] as 'sha1' | 'sha256', digest };
}

function reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * tus 1.0.0 resumable uploads at `options.path`, for the node:http mount table. Every request
 * except OPTIONS needs the API's bearer token; the actor and any Upload-Checksum travel to the
 * DataStore through async context. Upload ids are random and private to their uploader.
 * @tus/server is loaded on the first tus request: about 11 MiB of resident memory that a
 * process without browser uploads never needs.
 */
export function createTusHandler(options: TusMountOptions): { handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> } {
  let server: Promise<TusServer> | undefined;
  const tusServer = (): Promise<TusServer> => (server ??= buildServer(options));

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    res.setHeader('Tus-Checksum-Algorithm', 'sha1,sha256');
    // So that an allowed origin can also read nasd's own answers (401, 400) below.
    for (const [name, value] of Object.entries(options.cors.responseHeaders(req.headers.origin))) res.setHeader(name, value);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && !options.cors.allows(req.headers.origin)) {
      // A preflight from an origin the policy does not name: no CORS headers, so the browser refuses.
      res.writeHead(204, { 'Tus-Resumable': '1.0.0', Vary: 'Origin', 'Content-Length': '0' });
      res.end();
      return;
    }
    const tus = await tusServer();
    if (req.method === 'OPTIONS') return tus.handle(req, res);
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    let principal: Principal;
    try {
      if (!match) throw new AppError('UNAUTHENTICATED', 'a bearer access token is required');
      principal = await options.verifyBearer(match[1]);
    } catch (err) {
      const message = err instanceof AppError && err.expose ? err.message : 'invalid access token';
      return reply(res, 401, `${message}\n`, { 'WWW-Authenticate': 'Bearer realm="nasd"' });
    }
    const checksum = parseChecksum(req.headers['upload-checksum'] as string | undefined);
    if (checksum === 'invalid') return reply(res, 400, 'Upload-Checksum must be "sha1 <base64>" or "sha256 <base64>"\n');
    const actor = requestActor(req, 'tus', principal, options.trustProxy);
    await tusRequestContext.run({ actor, checksum }, () => tus.handle(req, res));
  };
  return { handle };
}

/** The tus server over nasd's upload sessions (see createTusHandler). */
async function buildServer(options: TusMountOptions): Promise<TusServer> {
  const { Server } = await import('@tus/server');
  return new Server({
    path: options.path,
    datastore: new VfsDataStore(options.sessions),
    respectForwardedHeaders: options.trustProxy,
    // Without this @tus/server answers every origin with `Access-Control-Allow-Origin: *`.
    allowedOrigins: (origin) => options.cors.allows(origin),
    namingFunction: () => crypto.randomBytes(16).toString('hex'),
    onResponseError: (_req, err) => mapTusError(err, options.logger),
    onUploadFinish: async (_req, upload) => {
      const ctx = tusRequestContext.getStore();
      if (!ctx) throw new AppError('UNAUTHENTICATED', 'no authenticated actor');
      const result = await options.sessions.finish(ctx.actor, upload.id);
      return { headers: { 'Upload-Sha256': (await options.sessions.get(ctx.actor, upload.id)).sha256 ?? '', 'Upload-Path': encodeURI(result.stat.path) } };
    },
  });
}
