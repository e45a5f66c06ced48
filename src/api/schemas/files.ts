import { z } from 'zod';

/**
 * Request and response schemas of /api/files (strict: unknown fields → 400). Paths are VFS
 * paths (`/home/docs/a.txt`, `/<share>/x`); the VFS normalizer validates them, these schemas
 * only bound their size so a hostile request is refused before any work.
 */

/** A generous bound: the VFS itself refuses paths over MAX_PATH_BYTES (4096 UTF-8 bytes). */
const vfsPath = z.string().min(1, 'a path is required').max(16_384, 'the path is too long');

export const pathQuery = z.object({ path: vfsPath }).strict();

export const listQuery = z
  .object({
    path: vfsPath,
    sort: z.enum(['name', 'size', 'mtime']).default('name'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** macOS metadata files (`.DS_Store`, `._*`): left out of items and total unless `show`. */
    macMetadata: z.enum(['hide', 'show']).default('hide'),
  })
  .strict();

/** Most entries one zip request may name; the UI lists at most 1000 entries per folder. */
export const MAX_ZIP_PATHS = 1000;

export const zipSelectionBody = z
  .object({
    /** Files and folders of one folder; folders are zipped with everything in them. */
    paths: z.array(vfsPath).min(1, 'choose at least one file or folder').max(MAX_ZIP_PATHS, `at most ${MAX_ZIP_PATHS} paths per zip`),
  })
  .strict();

export const mkdirBody = z.object({ path: vfsPath }).strict();

export const transferBody = z
  .object({
    from: vfsPath,
    to: vfsPath,
    /** Replace whatever is at `to` (default false: 409 when it exists). */
    overwrite: z.boolean().optional(),
  })
  .strict();

export const entryView = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['file', 'directory']),
  size: z.number(),
  mtimeMs: z.number(),
  /** Owner's username; null for namespace folders and owners that no longer exist. */
  owner: z.string().nullable(),
  ownerId: z.number().nullable(),
  etag: z.string(),
  /** Namespace folders (`/home`, a share's root…) cannot be renamed or deleted. */
  virtual: z.boolean(),
});

export const listView = z.object({
  path: z.string(),
  /** Entries in the folder (before pagination), without the macOS metadata files left out. */
  total: z.number().int(),
  /** macOS metadata files in the folder that were left out (0 with macMetadata=show). */
  hiddenMacMetadata: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  items: z.array(entryView),
});

export const transferView = z.object({ created: z.boolean() });

export type EntryView = z.infer<typeof entryView>;
