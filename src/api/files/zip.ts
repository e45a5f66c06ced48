import type { Readable } from 'node:stream';
import type { ZipFile } from 'yazl';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Principal, RequestActor } from '../../lib/request-actor.js';
import type { EntryStat, Vfs } from '../../vfs/index.js';
import type { ApiContext } from '../context.js';
import { dispositionFor } from '../../lib/served-content.js';

const byName = (a: EntryStat, b: EntryStat) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One zip download in progress: whether the client went away, and the file being read now. */
interface ZipRun {
  zip: ZipFile;
  vfs: Vfs;
  actor: RequestActor<Principal>;
  closed: boolean;
  current?: Readable;
}

/**
 * A file name as a zip member name. A backslash is a legal POSIX name character, but zip tools
 * (yazl included) read it as a folder separator, so `..\x` would climb out of the extraction
 * folder; it becomes `_`.
 */
function zipMemberName(name: string): string {
  return name.replace(/\\/g, '_');
}

/** Adds one file or folder (folders recursively) under `name`. */
async function addEntry(run: ZipRun, entry: EntryStat, name: string): Promise<void> {
  const { zip, vfs, actor } = run;
  const mtime = new Date(entry.mtimeMs);
  if (entry.type === 'directory') {
    zip.addEmptyDirectory(name, { mtime });
    await addTree(run, await vfs.list(actor, entry.path), `${name}/`);
    return;
  }
  zip.addReadStreamLazy(name, { mtime, compress: false }, (cb) => {
    vfs.openRead(actor, entry.path).then(
      ({ stream }) => {
        run.current = stream;
        // yazl does not listen for read errors; route them to the zip's error handler.
        stream.once('error', (err) => zip.emit('error', err));
        if (run.closed) stream.destroy();
        cb(null, stream);
      },
      (err: unknown) => cb(err, undefined as unknown as Readable),
    );
  });
}

/**
 * Adds a folder's members to the zip as they are walked (through the VFS, so permissions hold
 * for every entry). File bytes are read lazily, one file at a time, when yazl reaches the
 * entry, so at most one file is open and the archive is never held in memory.
 */
async function addTree(run: ZipRun, entries: EntryStat[], prefix: string): Promise<void> {
  for (const entry of [...entries].sort(byName)) {
    if (run.closed) return;
    await addEntry(run, entry, `${prefix}${zipMemberName(entry.name)}`);
  }
}

/**
 * Reads a folder's first batch only: proves it can be listed without holding the full listings
 * of up to a thousand selected folders at once (the walk lists each again when it gets there).
 */
async function checkListable(vfs: Vfs, actor: RequestActor<Principal>, path: string): Promise<void> {
  // Leaving the loop ends the listing (its iterator's return()).
  for await (const _first of vfs.listInBatches(actor, path)) break;
}

/** Folders that are not a place to zip from: everything, and every user's home at once. */
const isTooWide = (path: string) => path === '/' || path === '/homes';

/**
 * Starts streaming `members` (names relative to their common folder) as `filename`. Everything
 * that can be refused was checked by the caller, so from here on a failure aborts the response.
 */
async function streamZip(ctx: ApiContext, run: Omit<ZipRun, 'zip' | 'closed'>, members: EntryStat[], filename: string, logPath: string, log: Logger): Promise<void> {
  const { ZipFile: Zip } = await import('yazl'); // loaded on the first zip download only
  const zip = new Zip();
  const out = zip.outputStream as Readable;
  const state: ZipRun = { ...run, zip, closed: false };
  const abort = (err: unknown) => {
    log.warn({ err, path: logPath }, 'zip download aborted');
    out.destroy(err as Error);
  };
  out.once('close', () => {
    state.closed = true;
    state.current?.destroy();
  });
  zip.on('error', abort);
  ctx.set('Content-Disposition', dispositionFor(filename, 'attachment'));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.body = out;
  ctx.type = 'application/zip';
  ctx.status = 200;
  (async () => {
    for (const entry of [...members].sort(byName)) {
      if (state.closed) return;
      await addEntry(state, entry, zipMemberName(entry.name));
    }
    if (!state.closed) zip.end();
  })().catch(abort);
}

/**
 * GET /api/files/zip: a folder as a streamed zip (`<folder>.zip`, names relative to the folder).
 * Members are stored, not deflated: NAS content is mostly compressed already, and storing keeps
 * the CPU free. Errors before the first byte are normal API errors; a failure mid-stream
 * (a file vanished) aborts the response, so the client sees a truncated download, never a
 * silently incomplete archive.
 */
export async function sendZip(ctx: ApiContext, vfs: Vfs, actor: RequestActor<Principal>, path: string, log: Logger): Promise<void> {
  const root = await vfs.stat(actor, path);
  if (root.type !== 'directory') throw new AppError('NOT_A_DIRECTORY', `${root.path} is a file; download it with /api/files/download`);
  if (isTooWide(root.path)) throw new AppError('VALIDATION', 'choose a folder inside a home or a share to download as a zip');
  const members = await vfs.list(actor, root.path);
  await streamZip(ctx, { vfs, actor }, members, `${root.name || 'files'}.zip`, root.path, log);
}

/**
 * POST /api/files/zip: several files and folders of one folder as one streamed zip, named
 * after that folder, members named relative to it. Every path is resolved through the VFS
 * (read permission, traversal) and every selected folder's listing started before the first
 * byte, so a missing, forbidden or misplaced entry is a normal 4xx error and no partial archive
 * is sent.
 */
export async function sendSelectionZip(ctx: ApiContext, vfs: Vfs, actor: RequestActor<Principal>, paths: string[], log: Logger): Promise<void> {
  const members: EntryStat[] = [];
  const seen = new Set<string>();
  let folder: string | undefined;
  for (const path of paths) {
    const entry = await vfs.stat(actor, path);
    if (isTooWide(entry.path)) throw new AppError('VALIDATION', `${entry.path} cannot be zipped; choose folders inside a home or a share`);
    const parent = entry.path.slice(0, entry.path.lastIndexOf('/')) || '/';
    if (folder !== undefined && parent !== folder) throw new AppError('VALIDATION', `every path must be in one folder: ${entry.path} is not in ${folder}`);
    if (seen.has(entry.path)) throw new AppError('VALIDATION', `${entry.path} is listed twice`);
    folder = parent;
    seen.add(entry.path);
    if (entry.type === 'directory') await checkListable(vfs, actor, entry.path);
    members.push(entry);
  }
  const name = (folder ?? '/').slice((folder ?? '/').lastIndexOf('/') + 1);
  await streamZip(ctx, { vfs, actor }, members, `${name || 'files'}.zip`, folder ?? '/', log);
}
