import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Knex } from 'knex';

/** How often a process refreshes its heartbeat row. */
export const HEARTBEAT_MS = 10_000;
/** A heartbeat older than this many intervals means the process is gone. */
export const STALE_AFTER_BEATS = 3;

/**
 * Where a pid means something: the kernel's boot id plus this process's pid namespace on Linux
 * (two containers on one kernel have different namespaces, a reboot changes the boot id),
 * else the hostname. Two processes with the same host key can check each other's pid.
 */
export function hostKey(): string {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${fs.readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return `host:${os.hostname()}`.slice(0, 255);
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  heartbeat_at: number;
  keys_fingerprint: string | null;
}

export interface InstanceOptions {
  heartbeatMs?: number;
  now?: () => number;
  /** A digest of the keys this process signs and encrypts with; live processes sharing the database must agree on it. */
  keysFingerprint?: string;
}

/**
 * One running nasd process as seen by the others sharing its database: a random id, a
 * heartbeat row refreshed on an unref'd interval and removed on clean close. Another process
 * counts as dead when its heartbeat is older than STALE_AFTER_BEATS intervals, when its row is
 * absent, or at once when it ran on this host (same host key) and its pid no longer exists —
 * so restarting a single-box nasd after a crash reclaims its leftovers immediately.
 */
export class InstanceRegistry {
  readonly id: string;
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly host = hostKey();
  private readonly keysFingerprint: string | null;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly knex: Knex,
    id: string = crypto.randomUUID(),
    options: InstanceOptions = {},
  ) {
    this.id = id;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.now = options.now ?? Date.now;
    this.keysFingerprint = options.keysFingerprint ?? null;
  }

  /**
   * The first heartbeat: registers this process, then refuses (and withdraws) when a live
   * process sharing the database uses other keys. Both rows are written before either looks,
   * so of two such processes starting at once at least one refuses.
   */
  async join(): Promise<void> {
    await this.beat();
    const live = await this.liveIds();
    const others: InstanceRow[] = await this.knex('nasd_instances').select('id', 'host', 'pid', 'heartbeat_at', 'keys_fingerprint').whereIn('id', [...live].filter((id) => id !== this.id));
    const other = others.find((row) => row.keys_fingerprint !== null && row.keys_fingerprint !== this.keysFingerprint);
    if (!other) return;
    await this.knex('nasd_instances').where('id', this.id).delete();
    throw new Error(
      `nasd process ${other.id} (pid ${other.pid}), running on this database, signs tokens and encrypts secrets with other keys than this one: ` +
        'give every process the same NASD_JWT_SECRET and NASD_TOTP_KEY, or the same jwt-secret and totp-key files in its data directory',
    );
  }

  /** Writes (or refreshes) this process's heartbeat row. */
  async beat(): Promise<void> {
    const now = this.now();
    await this.knex('nasd_instances')
      .insert({ id: this.id, host: this.host, pid: process.pid, started_at: now, heartbeat_at: now, keys_fingerprint: this.keysFingerprint })
      .onConflict('id')
      .merge({ heartbeat_at: now });
  }

  /**
   * Ids of processes believed alive, this one always included. Rows whose process is dead are
   * deleted on the way, so their leftovers count as orphaned from now on.
   */
  async liveIds(): Promise<Set<string>> {
    const cutoff = this.now() - this.heartbeatMs * STALE_AFTER_BEATS;
    const rows: InstanceRow[] = await this.knex('nasd_instances').select('id', 'host', 'pid', 'heartbeat_at');
    const live = new Set([this.id]);
    const dead: string[] = [];
    for (const row of rows) {
      if (row.id === this.id) continue;
      const gone = Number(row.heartbeat_at) < cutoff || (row.host === this.host && Number(row.pid) !== process.pid && !pidAlive(Number(row.pid)));
      if (gone) dead.push(row.id);
      else live.add(row.id);
    }
    if (dead.length) await this.knex('nasd_instances').whereIn('id', dead).delete();
    return live;
  }

  /**
   * Calls `tick` every interval (after refreshing the heartbeat); the timer never keeps the process
   * alive. A beat still under way (a slow database, a process short of file descriptors) makes the
   * next one skip rather than pile up; a failing beat is reported to `onError` and tried again.
   */
  startHeartbeat(tick: () => Promise<void>, onError: (err: unknown) => void): void {
    if (this.timer) return;
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      Promise.resolve()
        .then(() => this.beat())
        .then(tick)
        .catch(onError)
        .finally(() => (running = false));
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Clean shutdown: the heartbeat stops and the row goes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.knex('nasd_instances').where('id', this.id).delete();
  }
}
