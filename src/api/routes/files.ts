import type { EntryStat, Vfs } from '../../vfs/index.js';
import type { ApiRouter } from '../api-router.js';
import { isMacMetadata } from '../files/mac-metadata.js';
import { sendDownload, sendPreview } from '../files/send.js';
import { sendSelectionZip, sendZip } from '../files/zip.js';
import { entryView, listQuery, listView, mkdirBody, pathQuery, transferBody, transferView, zipSelectionBody, type EntryView } from '../schemas/files.js';

/** Built on the first listing: its ICU collation data costs about 2 MiB of resident memory. */
let collator: Intl.Collator | undefined;

/** Folders first, then by the chosen key; ties broken by name (code points) so pages are stable. */
function sortEntries(entries: EntryStat[], sort: 'name' | 'size' | 'mtime', order: 'asc' | 'desc'): EntryStat[] {
  const names = (collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' }));
  const sign = order === 'asc' ? 1 : -1;
  const byName = (a: EntryStat, b: EntryStat) => names.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const byKey = (a: EntryStat, b: EntryStat) => (sort === 'size' ? a.size - b.size : sort === 'mtime' ? a.mtimeMs - b.mtimeMs : 0) || byName(a, b);
  return [...entries].sort((a, b) => {
    if (a.type !== b.type) return a.type === 'directory' ? -1 : 1;
    return sign * byKey(a, b);
  });
}

async function present(vfs: Vfs, entries: EntryStat[]): Promise<EntryView[]> {
  const names = await vfs.ownerNames(entries.flatMap((e) => (e.ownerId === null ? [] : [e.ownerId])));
  return entries.map((e) => ({
    name: e.name,
    path: e.path,
    type: e.type,
    size: e.size,
    mtimeMs: e.mtimeMs,
    owner: e.ownerId === null ? null : (names.get(e.ownerId) ?? null),
    ownerId: e.ownerId,
    etag: e.etag,
    virtual: e.virtual,
  }));
}

/**
 * /api/files: the admin UI's file browser over the VFS, as the calling user (protocol `api`).
 * Every permission, path check, quota and audit event is the VFS's; these handlers only
 * validate, call and present. Uploads go through tus (/api/uploads).
 */
export function filesRoutes(router: ApiRouter, vfs: Vfs): void {
  router.route(
    { method: 'get', path: '/list', summary: 'List a folder (folders first, sorted, paginated)', auth: 'user', query: listQuery, response: listView },
    async (_ctx, { query, actor }) => {
      const folder = await vfs.stat(actor, query.path);
      const all = await vfs.list(actor, folder.path);
      const shown = query.macMetadata === 'show' ? all : all.filter((e) => e.type === 'directory' || !isMacMetadata(e.name));
      const sorted = sortEntries(shown, query.sort, query.order);
      const page = sorted.slice(query.offset, query.offset + query.limit);
      const listed = { path: folder.path, total: sorted.length, hiddenMacMetadata: all.length - shown.length, offset: query.offset, limit: query.limit };
      return { ...listed, items: await present(vfs, page) };
    },
  );

  router.route({ method: 'get', path: '/stat', summary: 'One file or folder', auth: 'user', query: pathQuery, response: entryView }, async (_ctx, { query, actor }) => {
    const [entry] = await present(vfs, [await vfs.stat(actor, query.path)]);
    return entry;
  });

  router.route({ method: 'post', path: '/mkdir', summary: 'Create a folder (its parent must exist)', auth: 'user', body: mkdirBody, response: entryView, status: 201 }, async (_ctx, { body, actor }) => {
    const [entry] = await present(vfs, [await vfs.mkdir(actor, body.path)]);
    return entry;
  });

  router.route(
    { method: 'post', path: '/move', summary: 'Rename or move a file or folder', auth: 'user', body: transferBody, response: transferView },
    (_ctx, { body, actor }) => vfs.move(actor, body.from, body.to, { overwrite: body.overwrite ?? false }),
  );

  router.route(
    { method: 'post', path: '/copy', summary: 'Copy a file or a whole folder', auth: 'user', body: transferBody, response: transferView },
    (_ctx, { body, actor }) => vfs.copy(actor, body.from, body.to, { overwrite: body.overwrite ?? false, depth: 'infinity' }),
  );

  router.route({ method: 'delete', path: '/', summary: 'Delete a file or a whole folder', auth: 'user', query: pathQuery, status: 204 }, async (_ctx, { query, actor }) => {
    await vfs.remove(actor, query.path);
  });

  router.route(
    { method: 'get', path: '/download', summary: 'Download a file (single Range supported)', auth: 'user', query: pathQuery, produces: 'application/octet-stream' },
    (ctx, { query, actor }) => sendDownload(ctx, vfs, actor, query.path),
  );

  router.route(
    { method: 'get', path: '/zip', summary: 'Download a folder as a streamed zip', auth: 'user', query: pathQuery, produces: 'application/zip' },
    (ctx, { query, actor }) => sendZip(ctx, vfs, actor, query.path, ctx.state.log),
  );

  router.route(
    { method: 'post', path: '/zip', summary: 'Download chosen files and folders of one folder as one streamed zip', auth: 'user', body: zipSelectionBody, produces: 'application/zip' },
    (ctx, { body, actor }) => sendSelectionZip(ctx, vfs, actor, body.paths, ctx.state.log),
  );

  router.route(
    { method: 'get', path: '/preview', summary: 'Preview an image (PNG, JPEG, GIF, WebP) or plain text inline', auth: 'user', query: pathQuery, produces: '*/*' },
    (ctx, { query, actor }) => sendPreview(ctx, vfs, actor, query.path),
  );
}
