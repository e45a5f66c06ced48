/**
 * The bench's runtime floor: a minimal WebDAV server on Node built-ins that does what nasd's data
 * path must do and nothing else, so `nasd/floor` shows what nasd's own layers (auth, database,
 * quota, locks, ownership) cost on top of the runtime. PUT streams into a temp file, fdatasyncs
 * it, renames it over the target and fsyncs the target's folder, so the new name is on disk
 * before the answer as nasd's is (a body of at most 64 KiB announced is collected and written
 * in one call, as nasd does); GET reads a file of at most 64 KiB whole and sends a bigger one
 * with nasd's own sendFile (reused 1 MiB buffers); MKCOL is mkdir; PROPFIND answers Depth 0/1
 * with resourcetype, getcontentlength, getlastmodified and getetag, whatever was asked; DELETE
 * removes recursively. One Basic-auth user, no locks, no database.
 *
 *   node dist/test/bench/floor-server.js DATA_DIR INFO_FILE [PORT]
 *
 * Serves DATA_DIR/files at /dav/ on 127.0.0.1 (PORT, default random), temp files go to
 * DATA_DIR/tmp (same filesystem, so the rename is atomic). Writes `{url, user, pass, pid}` to
 * INFO_FILE once listening; stops on SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { sendFile } from '../../src/vfs/backends/send-file.js';

const INLINE_BYTES = 64 * 1024;
/** Bytes of an upload buffered before the socket is paused, as nasd's temp writer. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Entries lstat'ed per event-loop turn in a PROPFIND: synchronous stats are the cheapest, in slices so the loop is never held long. */
const STAT_SLICE = 256;
/** Bytes of multistatus collected before each socket write. */
const XML_FLUSH_BYTES = 64 * 1024;
const PREFIX = '/dav/';

const [dataDir, infoFile, portArg] = process.argv.slice(2);
if (!dataDir || !infoFile) throw new Error('usage: floor-server.js DATA_DIR INFO_FILE [PORT]');
const filesRoot = path.resolve(dataDir, 'files');
const tempRoot = path.resolve(dataDir, 'tmp');
fs.mkdirSync(filesRoot, { recursive: true });
fs.mkdirSync(tempRoot, { recursive: true });
const user = 'floor';
const pass = crypto.randomBytes(18).toString('base64url');
const expectedAuth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The disk path for a request path under /dav/; rejects `..`, NUL and paths outside the prefix. */
function diskPath(urlPath: string): string {
  if (!urlPath.startsWith(PREFIX) && urlPath !== PREFIX.slice(0, -1)) throw new HttpError(404, 'outside /dav/');
  const segments = urlPath.slice(PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (segments.some((s) => s === '..' || s === '.' || s.includes('\0'))) throw new HttpError(400, 'bad path segment');
  return path.join(filesRoot, ...segments);
}

const errnoStatus: Record<string, number> = { ENOENT: 404, EEXIST: 405, ENOTDIR: 409, EISDIR: 409, ENOTEMPTY: 409 };
function fsStatus(err: unknown): HttpError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new HttpError(errnoStatus[code] ?? 500, code || String(err));
}

/** A writable into an open file that leaves it open (for the datasync); chunks queued meanwhile go out in one writev. */
function fileSink(handle: fsp.FileHandle): Writable {
  return new Writable({
    highWaterMark: WRITE_HIGH_WATER,
    writev(chunks, done) {
      handle.writev(chunks.map((c) => c.chunk as Buffer)).then(() => done(), done);
    },
  });
}

async function put(req: http.IncomingMessage, res: http.ServerResponse, target: string): Promise<void> {
  const existed = await fsp.lstat(target).then(
    (s) => s.isFile(),
    () => false,
  );
  const temp = path.join(tempRoot, crypto.randomUUID());
  const announced = Number(req.headers['content-length']);
  const handle = await fsp.open(temp, 'wx', 0o640);
  try {
    if (announced <= INLINE_BYTES) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      await handle.write(Buffer.concat(chunks));
    } else {
      await pipeline(req, fileSink(handle));
    }
    await handle.datasync();
  } catch (err) {
    await handle.close();
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new HttpError(409, 'parent folder missing') : fsStatus(err);
  }
  const folder = await fsp.open(path.dirname(target), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
  res.writeHead(existed ? 204 : 201).end();
}

async function get(res: http.ServerResponse, target: string): Promise<void> {
  const handle = await fsp.open(target, 'r').catch((err: unknown) => Promise.reject(fsStatus(err)));
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw new HttpError(405, 'not a file');
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(st.size), ETag: etag(st) });
  if (st.size <= INLINE_BYTES) {
    const data = await handle.readFile();
    await handle.close();
    res.end(data);
  } else {
    await sendFile(handle, st.size, res);
  }
}

function etag(st: fs.Stats): string {
  return `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function responseXml(href: string, st: fs.Stats): string {
  const props = st.isDirectory()
    ? '<D:resourcetype><D:collection/></D:resourcetype>'
    : `<D:resourcetype/><D:getcontentlength>${st.size}</D:getcontentlength>`;
  return `<D:response><D:href>${href}</D:href><D:propstat><D:prop>${props}<D:getlastmodified>${st.mtime.toUTCString()}</D:getlastmodified><D:getetag>${etag(st)}</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
}

/** Reads and drops a request body. */
async function drained(req: http.IncomingMessage): Promise<void> {
  req.resume();
  await finished(req);
}

const escapeHref = (name: string) => encodeURIComponent(name).replace(/'/g, '%27');

async function propfind(req: http.IncomingMessage, res: http.ServerResponse, target: string, urlPath: string): Promise<void> {
  await drained(req); // allprop or a prop list: the same answer
  const depth = req.headers.depth ?? 'infinity';
  if (depth !== '0' && depth !== '1') throw new HttpError(403, 'only Depth 0 or 1');
  const st = await fsp.lstat(target).catch((err: unknown) => Promise.reject(fsStatus(err)));
  const base = st.isDirectory() && !urlPath.endsWith('/') ? `${urlPath}/` : urlPath;
  res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' });
  let buf = `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${responseXml(base, st)}`;
  if (depth === '1' && st.isDirectory()) {
    const names = await fsp.readdir(target);
    for (let i = 0; i < names.length; i += STAT_SLICE) {
      for (const name of names.slice(i, i + STAT_SLICE)) {
        const child = fs.lstatSync(path.join(target, name), { throwIfNoEntry: false });
        if (!child) continue;
        buf += responseXml(`${base}${escapeHref(name)}${child.isDirectory() ? '/' : ''}`, child);
        if (buf.length >= XML_FLUSH_BYTES) {
          if (!res.write(buf)) await new Promise((resolve) => res.once('drain', resolve));
          buf = '';
        }
      }
      await new Promise(setImmediate);
    }
  }
  res.end(`${buf}</D:multistatus>\n`);
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.headers.authorization !== expectedAuth) {
    req.resume();
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="floor"' }).end();
    return;
  }
  const urlPath = new URL(req.url ?? '/', 'http://floor').pathname;
  const target = diskPath(urlPath);
  switch (req.method) {
    case 'PUT':
      return put(req, res, target);
    case 'GET':
      return get(res, target);
    case 'PROPFIND':
      return propfind(req, res, target, urlPath);
    case 'MKCOL':
      req.resume();
      await fsp.mkdir(target).catch((err: unknown) => Promise.reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new HttpError(409, 'parent folder missing') : fsStatus(err)));
      res.writeHead(201).end();
      return;
    case 'DELETE':
      req.resume();
      if (target === filesRoot) throw new HttpError(403, 'not the root');
      await fsp.lstat(target).catch((err: unknown) => Promise.reject(fsStatus(err)));
      await fsp.rm(target, { recursive: true, force: true });
      res.writeHead(204).end();
      return;
    default:
      req.resume();
      throw new HttpError(405, `${req.method} is not supported`);
  }
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  serve(req, res).catch((err: unknown) => {
    const status = err instanceof HttpError ? err.status : 500;
    if (res.headersSent) res.destroy();
    else res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${err instanceof Error ? err.message : String(err)}\n`);
  });
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  fs.writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url: `http://127.0.0.1:${port}${PREFIX}`, user, pass, pid: process.pid }));
  fs.renameSync(`${infoFile}.tmp`, infoFile);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
