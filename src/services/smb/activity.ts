import fs from 'node:fs/promises';

/** After the audit log last grew, catch-ups keep running this long: a handle opened then may still be writing. */
const ACTIVE_MS = 2 * 60_000;
/** Without any SMB activity, a catch-up still runs this often (what the audit log cannot show). */
const IDLE_MAX_MS = 15 * 60_000;

/**
 * Whether the SMB catch-up (a reconcile of the whole storage) is worth running now. Samba writes
 * a line to nasd's audit log for every file it opens or creates, every folder made, rename and
 * delete; while that log stays the same, nothing changed through SMB and the walk over every
 * file is skipped. So WebDAV traffic or an idle box no longer pays a full reconcile on every
 * NASD_SMB_INTERVAL; SMB writes are still caught up within one interval.
 */
export class SmbActivity {
  private seen?: string;
  private activeUntil = 0;
  private lastRun = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly auditLogFile: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when the log changed (or changed within ACTIVE_MS), or IDLE_MAX_MS passed since the last run. */
  async due(): Promise<boolean> {
    const st = await fs.stat(this.auditLogFile).catch(() => undefined);
    const mark = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent';
    const t = this.now();
    if (mark !== this.seen) {
      this.seen = mark;
      this.activeUntil = t + ACTIVE_MS;
    }
    return t < this.activeUntil || t - this.lastRun >= IDLE_MAX_MS;
  }

  /** The catch-up ran (call after it, whatever its outcome). */
  ran(): void {
    this.lastRun = this.now();
  }
}
