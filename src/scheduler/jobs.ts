import { AppError } from '../lib/errors.js';
import { systemActor, type RequestActor } from '../lib/request-actor.js';
import type { ManagedJob } from './types.js';

/**
 * The services the managed jobs call, each through the one method it needs (structural types:
 * the scheduler knows no service's class). Optional sources are hardware areas: a job is
 * registered only when its source is given.
 */
export interface ManagedJobSources {
  /** VfsService: recompute ownership and usage from the disk, returning the drift it fixed. */
  storage: { reconcile(): Promise<unknown> };
  /** UploadSessions: drop expired tus uploads and release their quota reservations. */
  uploads: { deleteExpired(): Promise<number> };
  /** The audit-retention job (services/audit-retention.ts). */
  auditRetention: () => Promise<unknown>;
  /** Identity housekeeping: expired refresh tokens, ended throttle windows. */
  identity: { prune(): Promise<unknown> };
  /** SmartService: read every disk and store the scan in the SMART history. */
  smart?: { scan(): Promise<unknown> };
  /** RaidService: arrays and starting a scrub (`check`) as an audited action. */
  raid?: {
    list(): Promise<{ arrays: Array<{ name: string }> }>;
    startScrub(actor: RequestActor, name: string): Promise<void>;
  };
  /** The rsync backup of user data (registered when NASD_BACKUP_TARGET is set). */
  userDataBackup?: { run(signal: AbortSignal): Promise<unknown> };
  /** SMB: empty old entries of the shares' recycle bins (registered when SMB can run). */
  smbRecycle?: () => Promise<unknown>;
}

/**
 * Starts a scrub on every array. An array busy with a resync or scrub is skipped and reported;
 * any other refusal (degraded, inactive) fails the run, after the other arrays were tried, so the
 * history shows that an array went unchecked.
 */
async function scrubAll(raid: NonNullable<ManagedJobSources['raid']>): Promise<{ started: string[]; skipped: Array<{ array: string; reason: string }> }> {
  const started: string[] = [];
  const skipped: Array<{ array: string; reason: string }> = [];
  const errors: string[] = [];
  const actor = systemActor('scheduler');
  for (const { name } of (await raid.list()).arrays) {
    try {
      await raid.startScrub(actor, name);
      started.push(name);
    } catch (err) {
      if (err instanceof AppError && err.code === 'DEVICE_BUSY') skipped.push({ array: name, reason: err.message });
      else errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) throw new AppError('CONFLICT', `scrub could not start on ${errors.join('; ')}`);
  return { started, skipped };
}

/**
 * nasd's managed jobs, one entry each: adding a job is one line here (plus its source above).
 * Telemetry roll-up and retention need no job: TelemetryService does them with every sample.
 */
export function managedJobs(src: ManagedJobSources): ManagedJob[] {
  const jobs: Array<ManagedJob | false> = [
    { name: 'storage.reconcile', description: 'Repair file ownership and usage drift from the disk (files written through SMB, crashes)', defaultInterval: '1 day', run: () => src.storage.reconcile() },
    { name: 'uploads.cleanup', description: 'Delete expired tus uploads and release their quota reservations', defaultInterval: '1 hour', run: async () => ({ deleted: await src.uploads.deleteExpired() }) },
    { name: 'audit.retention', description: 'Delete audit log entries older than the retention period', defaultInterval: '1 day', run: () => src.auditRetention() },
    { name: 'identity.prune', description: 'Delete expired refresh tokens and ended login-throttle windows', defaultInterval: '1 hour', run: () => src.identity.prune() },
    !!src.smart && { name: 'smart.scan', description: 'Read SMART data of every disk into the history', defaultInterval: '1 day', run: () => src.smart!.scan() },
    !!src.smbRecycle && { name: 'smb.recycle-cleanup', description: 'Delete recycle-bin entries of SMB shares older than the retention (NASD_SMB_RECYCLE_DAYS)', defaultInterval: '1 day', run: () => src.smbRecycle!() },
    !!src.userDataBackup && { name: 'backup.user-data', description: 'Copy user files with rsync into a new dated version on the backup target (NASD_BACKUP_TARGET), hard-linking unchanged files', defaultInterval: '1 day', run: (ctx) => src.userDataBackup!.run(ctx.signal) },
    !!src.raid && { name: 'raid.scrub', description: 'Start a consistency check (scrub) of every RAID array', defaultInterval: '30 days', run: () => scrubAll(src.raid!) },
  ];
  return jobs.filter((j): j is ManagedJob => j !== false);
}
