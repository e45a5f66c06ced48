import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The repository (or install) root: the nearest folder above this module holding package.json.
 * Works both from source (src/lib) and from the build (dist/src/lib, where dist has no package.json).
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('nasd: cannot find package.json above the code');
    dir = parent;
  }
  cached = dir;
  return dir;
}
