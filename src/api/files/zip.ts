import type { Readable } from 'node:stream';
import type { ZipFile } from 'yazl';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Actor, EntryStat, VfsService } from '../../vfs/index.js';
import type { ApiContext } from '../context.js';
import { dispositionFor } from '../../lib/served-content.js';

const byName = (a: EntryStat, b: EntryStat) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One zip download in progress: whether the client went away, and the file being read now. */
interface ZipRun {
  zip: ZipFile;
  vfs: VfsService;
  actor: Actor;
  closed: boolean;
  current?: Readable;
}

/**
 * Adds a folder's members to the zip as they are walked (through the VFS, so permissions hold
 * for every entry). File bytes are read lazily, one file at a time, when yazl reaches the
 * entry, so at most one file is open and the archive is never held in memory.
 */
async function addTree(run: ZipRun, entries: EntryStat[], prefix: string): Promise<void> {
  const { zip, vfs, actor } = run;
  for (const entry of [...entries].sort(byName)) {
    if (run.closed) return;
    const name = `${prefix}${entry.name}`;
    const mtime = new Date(entry.mtimeMs);
    if (entry.type === 'directory') {
      zip.addEmptyDirectory(name, { mtime });
      await addTree(run, await vfs.list(actor, entry.path), `${name}/`);
    } else {
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
  }
}

/**
 * GET /api/files/zip: a folder as a streamed zip (`<folder>.zip`, names relative to the folder).
 * Members are stored, not deflated: NAS content is mostly compressed already, and storing keeps
 * the CPU free. Errors before the first byte are normal API errors; a failure mid-stream
 * (a file vanished) aborts the response, so the client sees a truncated download, never a
 * silently incomplete archive.
 */
export async function sendZip(ctx: ApiContext, vfs: VfsService, actor: Actor, path: string, log: Logger): Promise<void> {
  const root = await vfs.stat(actor, path);
  if (root.type !== 'directory') throw new AppError('NOT_A_DIRECTORY', `${root.path} is a file; download it with /api/files/download`);
  if (root.path === '/' || root.path === '/homes') throw new AppError('VALIDATION', 'choose a folder inside a home or a share to download as a zip');
  const members = await vfs.list(actor, root.path);
  const { ZipFile: Zip } = await import('yazl'); // loaded on the first zip download only
  const zip = new Zip();
  const out = zip.outputStream as Readable;
  const run: ZipRun = { zip, vfs, actor, closed: false };
  out.once('close', () => {
    run.closed = true;
    run.current?.destroy();
  });
  zip.on('error', (err: Error) => {
    log.warn({ err, path: root.path }, 'zip download aborted');
    out.destroy(err);
  });
  ctx.set('Content-Disposition', dispositionFor(`${root.name || 'files'}.zip`, 'attachment'));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.body = out;
  ctx.type = 'application/zip';
  ctx.status = 200;
  addTree(run, members, '').then(
    () => {
      if (!run.closed) zip.end();
    },
    (err: unknown) => {
      log.warn({ err, path: root.path }, 'zip download aborted');
      out.destroy(err as Error);
    },
  );
}
