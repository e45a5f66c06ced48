import type { Job } from 'agenda';
import type { Logger } from '../lib/log.js';
import type { ExecutionStore } from './executions.js';
import type { ManagedJob } from './types.js';

/** What JobRunner needs from the scheduler. */
export interface RunnerOptions {
  executions: ExecutionStore;
  logger: Logger;
  /** How often a running job renews agenda's lock and its execution heartbeat. */
  heartbeatMs: number;
  /** Aborted on shutdown; handed to the jobs. */
  signal: AbortSignal;
  /** Whether a job's schedule is on now (read at each scheduled run: another process may have just disabled it). */
  isEnabled(name: string): Promise<boolean>;
  /** Execution history retention, applied to a job after each of its runs. */
  history: { maxAgeMs: number; keep: number };
  /** Told of every finished run, e.g. for metrics; must not throw. */
  onFinished?: (job: string, outcome: 'ok' | 'failed') => void;
}

/** The agenda job data of a manual run or retry: which queued execution it fulfils. */
export interface RunRequest {
  executionId: number;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/**
 * Runs one agenda job as a recorded execution: claims the execution (a queued manual one, or a
 * new scheduled one; nothing runs when another execution of the job is active anywhere, nor a
 * scheduled run of a job disabled since agenda locked it), keeps
 * the lock and heartbeat alive, records ok with the job's report or failed with its error, then
 * applies history retention. Never throws: a failing job must not disturb agenda or nasd.
 */
export class JobRunner {
  constructor(private readonly options: RunnerOptions) {}

  async execute(spec: ManagedJob, job: Job): Promise<void> {
    const { executions, logger } = this.options;
    try {
      const id = await this.claim(spec, job);
      if (id === null) {
        logger.debug({ job: spec.name }, 'scheduler: skipped (disabled, or another execution of this job is active)');
        return;
      }
      await this.runClaimed(spec, job, id);
      await executions.prune(spec.name, this.options.history.maxAgeMs, this.options.history.keep);
    } catch (err) {
      logger.error({ err, job: spec.name }, 'scheduler: could not record an execution');
    }
  }

  private async claim(spec: ManagedJob, job: Job): Promise<number | null> {
    const request = job.attrs.data as Partial<RunRequest> | null | undefined;
    if (typeof request?.executionId === 'number') {
      return (await this.options.executions.startQueued(request.executionId)) ? request.executionId : null;
    }
    if (!(await this.options.isEnabled(spec.name))) return null;
    return this.options.executions.startScheduled(spec.name);
  }

  private async runClaimed(spec: ManagedJob, job: Job, executionId: number): Promise<void> {
    const { executions, logger, signal } = this.options;
    const beat = async (progress?: number) => {
      await executions.heartbeat(executionId, progress);
      await job.touch(progress);
    };
    const timer = setInterval(() => {
      beat().catch((err: unknown) => logger.warn({ err, job: spec.name }, 'scheduler: heartbeat failed'));
    }, this.options.heartbeatMs);
    timer.unref();
    const started = Date.now();
    try {
      if (signal.aborted) throw new Error('not started: nasd is shutting down');
      const report = await spec.run({
        executionId,
        signal,
        progress: (percent) => beat(Math.min(100, Math.max(0, percent))),
      });
      await executions.finish(executionId, 'ok', null, report);
      this.options.onFinished?.(spec.name, 'ok');
      logger.info({ job: spec.name, executionId, ms: Date.now() - started }, 'scheduler: job done');
    } catch (err) {
      logger.warn({ err, job: spec.name, executionId }, 'scheduler: job failed');
      await executions.finish(executionId, 'failed', errorMessage(err), undefined);
      this.options.onFinished?.(spec.name, 'failed');
    } finally {
      clearInterval(timer);
    }
  }
}
