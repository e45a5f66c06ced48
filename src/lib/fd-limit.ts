import fs from 'node:fs';

/**
 * The process's soft limit on open file descriptors, from `/proc/self/limits` (Linux); null when
 * unknown or unlimited. Node raises the soft limit to the hard one at start, so this is the real ceiling.
 */
export function openFilesLimit(limitsFile = '/proc/self/limits'): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync(limitsFile, 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The connection cap that leaves room under the descriptor limit for the database, storage files,
 * child processes and libraries: at most the limit minus a fifth of it (at least 64 kept back).
 */
export function connectionCapWithin(configured: number, fdLimit: number | null): number {
  if (fdLimit === null) return configured;
  const room = Math.max(16, fdLimit - Math.max(64, Math.floor(fdLimit / 5)));
  return configured === 0 ? room : Math.min(configured, room);
}
