/** Copies into nasd's temp area, shared by the backends (plain node:fs: copies are not a hot path). */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { classifyFsError } from './errors.js';
import { DIR_MODE } from './modes.js';
import type { RawStat } from './raw-stat.js';

const COPY_FLAGS = fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE;

/** Copies the file at `abs` into `tempPath` (reflink when the filesystem can) and flushes it. */
export async function copyFileToTemp(abs: string, tempPath: string, key: string): Promise<void> {
  try {
    await fsp.copyFile(abs, tempPath, COPY_FLAGS);
    const handle = await fsp.open(tempPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await fsp.rm(tempPath, { force: true });
    throw classifyFsError(err, key);
  }
}

/**
 * Copies the folder at `key` into a new temp folder: with `entries` (its members from the
 * backend's walk, parents first) unless depth is 0. Returns them relative to the folder (`/a/b`).
 */
export async function copyTreeToTemp(
  root: string,
  key: string,
  tempPath: string,
  entries: AsyncIterable<{ key: string; stat: RawStat }> | undefined,
): Promise<Array<{ rel: string; stat: RawStat }>> {
  const copied: Array<{ rel: string; stat: RawStat }> = [];
  try {
    await fsp.mkdir(tempPath, { mode: DIR_MODE });
    for await (const entry of entries ?? []) {
      const rel = entry.key.slice(key.length);
      const dest = path.join(tempPath, rel);
      if (entry.stat.type === 'directory') await fsp.mkdir(dest, { mode: DIR_MODE });
      else await fsp.copyFile(path.join(root, entry.key), dest, COPY_FLAGS);
      copied.push({ rel, stat: entry.stat });
    }
  } catch (err) {
    await fsp.rm(tempPath, { recursive: true, force: true });
    throw classifyFsError(err, key);
  }
  return copied;
}
