import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * A version this job made: its start time in UTC to the second, without colons (they are not
 * allowed on every filesystem a disk may be moved to), and `-<n>` when two runs start in one second.
 */
const VERSION = /^(\d{4}-\d{2}-\d{2}T\d{6}Z)(?:-([1-9]\d{0,5}))?$/;
/** A version being written: renamed to its plain name only once rsync succeeded. */
const PARTIAL_SUFFIX = '.partial';

/** Whether `name` is a complete version this job created (nothing else in the target is touched). */
export function isVersionName(name: string): boolean {
  return VERSION.test(name);
}

/** Oldest first: by time, then by the same-second counter. */
export function compareVersions(a: string, b: string): number {
  const [, ta, na] = VERSION.exec(a)!;
  const [, tb, nb] = VERSION.exec(b)!;
  return ta === tb ? Number(na ?? 0) - Number(nb ?? 0) : ta < tb ? -1 : 1;
}

/**
 * `2026-12-03T141500Z` for that instant; `…Z-<n>` past the highest counter any name of that second
 * in the target has (not the first free one: after a prune freed `…Z`, a newer run named `…Z`
 * would sort before the versions it follows).
 */
export function newVersionName(at: Date, taken: ReadonlySet<string>): string {
  const base = `${at.toISOString().slice(0, 19).replace(/:/g, '')}Z`;
  let highest = -1;
  for (const name of taken) {
    const m = VERSION.exec(name.endsWith(PARTIAL_SUFFIX) ? name.slice(0, -PARTIAL_SUFFIX.length) : name);
    if (m && m[1] === base) highest = Math.max(highest, Number(m[2] ?? 0));
  }
  return highest < 0 ? base : `${base}-${highest + 1}`;
}

export function partialName(version: string): string {
  return version + PARTIAL_SUFFIX;
}

/** The target's complete versions (oldest first) and the `.partial` folders crashed or stopped runs left. */
export async function readVersions(target: string): Promise<{ complete: string[]; partial: string[] }> {
  const names = await fsp.readdir(target);
  return {
    complete: names.filter(isVersionName).sort(compareVersions),
    partial: names.filter((n) => n.endsWith(PARTIAL_SUFFIX) && isVersionName(n.slice(0, -PARTIAL_SUFFIX.length))),
  };
}

/**
 * Deletes the oldest complete versions beyond `keep`, never `newest` (the one just made, even if a
 * clock set back makes it sort before older names). Returns the deleted names, oldest first.
 */
export async function pruneVersions(target: string, complete: string[], keep: number, newest: string): Promise<string[]> {
  const others = complete.filter((n) => n !== newest);
  const doomed = others.slice(0, Math.max(0, others.length - (keep - 1)));
  for (const name of doomed) await fsp.rm(path.join(target, name), { recursive: true, force: true });
  return doomed;
}
