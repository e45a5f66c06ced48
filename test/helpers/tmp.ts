import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp directory; remove it with the returned function (safe to call twice). */
export function makeTmpDir(prefix = 'nasd-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
