import fs from 'node:fs/promises';
import path from 'node:path';

/** What one recycle cleanup removed. */
export interface RecycleCleanupReport {
  shares: number;
  deletedFiles: number;
  deletedBytes: number;
}

async function sweep(dir: string, cutoff: number, report: RecycleCleanupReport): Promise<boolean> {
  let empty = true;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (await sweep(p, cutoff, report)) await fs.rmdir(p).catch(() => undefined);
      else empty = false;
      continue;
    }
    const st = await fs.lstat(p);
    // Samba's recycle module sets the time of deletion as mtime (recycle:touch_mtime).
    if (st.mtimeMs < cutoff) {
      await fs.rm(p, { force: true });
      report.deletedFiles += 1;
      report.deletedBytes += st.isFile() ? st.size : 0;
    } else empty = false;
  }
  return empty;
}

/**
 * Empties recycle-bin entries older than `days` in every share with the recycle bin on
 * (`<share>/.recycle/<user>/…`), then lets `afterwards` (the storage reconcile) correct usage.
 */
export async function cleanRecycleBins(options: {
  storageRoot: string;
  shares: () => Promise<Array<{ name: string; recycleBin: boolean }>>;
  days: number;
  now?: number;
  afterwards?: () => Promise<unknown>;
}): Promise<RecycleCleanupReport> {
  const cutoff = (options.now ?? Date.now()) - options.days * 86_400_000;
  const report: RecycleCleanupReport = { shares: 0, deletedFiles: 0, deletedBytes: 0 };
  for (const share of await options.shares()) {
    if (!share.recycleBin) continue;
    const bin = path.join(options.storageRoot, 'shares', share.name, '.recycle');
    const st = await fs.lstat(bin).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    report.shares += 1;
    await sweep(bin, cutoff, report);
  }
  if (report.deletedFiles > 0) await options.afterwards?.();
  return report;
}
