// `npm start` on a checkout: compiles into dist/ only when a source is newer than the last build.
// An installed release has no sources, so there it does nothing and needs no compiler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.built');
const sourceDirs = ['src', 'protocols', 'hardware', 'migrations'];
const sourceFiles = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest mtime of the files and folders under `entry`: a folder's mtime changes when a file in it is deleted or renamed. */
function newestMtime(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  }
  return newest;
}

if (!fs.existsSync(path.join(root, 'src'))) process.exit(0);
const sources = Math.max(...[...sourceDirs, ...sourceFiles].map((name) => newestMtime(path.join(root, name))));
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (built >= sources) process.exit(0);

process.stderr.write('nasd: sources changed since the last build; compiling into dist/\n');
const startedAt = new Date();
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.error) {
  process.stderr.write(`nasd: cannot run the TypeScript compiler (npm ci installs it): ${tsc.error.message}\n`);
  process.exit(1);
}
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// Stamped with the start time: a file saved while tsc ran counts as newer next time.
fs.writeFileSync(stamp, `${startedAt.toISOString()}\n`);
fs.utimesSync(stamp, startedAt, startedAt);
