import path from 'node:path';

/** Whether absolute path `child` is `parent` itself or below it (lexically: resolve symlinks first when they matter). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
