/**
 * The storage root's layout, the same for every backend: `homes/`, `shares/`, and nasd's own
 * `.nasd/tmp` (temp files, on the same filesystem so a commit is a rename) and `.nasd/uploads`
 * (tus parts).
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VfsError } from '../../lib/errors.js';
import { DIR_MODE } from './modes.js';

/** Creates the layout below `root` and returns the real (resolved) root. */
export async function prepareRoot(root: string): Promise<string> {
  for (const dir of ['homes', 'shares', '.nasd/tmp', '.nasd/uploads']) {
    await fsp.mkdir(path.join(root, dir), { recursive: true, mode: DIR_MODE });
  }
  return fsp.realpath(root);
}

/** A fresh path in `.nasd/tmp` carrying the process's instance id. */
export function newTempPath(root: string, instanceId: string): string {
  return path.join(root, '.nasd', 'tmp', `${instanceId}_${crypto.randomUUID()}`);
}

/**
 * Deletes the temp files in `.nasd/tmp` whose process is not alive (leftovers of a killed
 * one). The folder is listed BEFORE asking who is alive: a process that starts meanwhile
 * registers before it writes temp files, so none of its files can be in the listing.
 */
export async function clearTempIn(root: string, liveInstances: () => Promise<Set<string>>): Promise<number> {
  const dir = path.join(root, '.nasd', 'tmp');
  const names = await fsp.readdir(dir);
  const live = await liveInstances();
  const orphaned = names.filter((n) => !live.has(n.split('_', 1)[0]));
  await Promise.all(orphaned.map((n) => fsp.rm(path.join(dir, n), { recursive: true, force: true })));
  return orphaned.length;
}

/** Absolute path of a tus part file in `.nasd/uploads`. */
export function partPathIn(root: string, id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new VfsError('VALIDATION', 'invalid upload id');
  return path.join(root, '.nasd', 'uploads', id);
}
