import os from 'node:os';
import { Agenda, type JobParameters } from 'agenda';
import type { Knex } from 'knex';
import { audited, type AuditLog } from '../audit/index.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { SchedulerBackend } from './backend/index.js';
import { ExecutionStore } from './executions.js';
import { formatInterval, parseInterval } from './interval.js';
import { JobRunner, type RunnerOptions, type RunRequest } from './runner.js';
import { JobSettingsStore, type JobSettings } from './settings.js';
import type { ExecutionStatus, ExecutionTrigger, ExecutionView, JobView, ManagedJob } from './types.js';

/** Job names: dotted lower-case words; `executions` is taken by the API's own path. */
const JOB_NAME = /^(?!executions$)[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** How the scheduler polls, locks and keeps history (config.scheduler). */
export interface SchedulerTiming {
  /** How often agenda looks for due jobs. */
  processEveryMs: number;
  /** agenda's lock lifetime; running jobs renew it every quarter of it. */
  lockLifetimeMs: number;
  /** Executions older than this are deleted (the newest 1000 per job are the other bound). */
  historyDays: number;
}

/** What the scheduler is built from (main.ts, or a test with its own jobs). */
export interface SchedulerOptions extends SchedulerTiming {
  knex: Knex;
  backend: SchedulerBackend;
  audit: AuditLog;
  logger: Logger;
  /** Written into agenda's rows as lastModifiedBy; defaults to host:pid. */
  instanceName?: string;
  /** Told of every finished run in this process (metrics). */
  onFinished?: RunnerOptions['onFinished'];
}

/**
 * nasd's job scheduler: agenda decides when a managed job is due and which process runs it
 * (its row lock); nasd keeps each job's settings and the executions history, and offers run now,
 * retry, enable/disable and interval changes to the API. `init` prepares everything (enough to
 * queue runs), `start` also processes jobs in this process, `close` stops within a bounded time.
 */
export class Scheduler {
  private readonly specs = new Map<string, ManagedJob>();
  private readonly settings: JobSettingsStore;
  private readonly executions: ExecutionStore;
  private readonly abort = new AbortController();
  private agenda: Agenda | undefined;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: SchedulerOptions,
    jobs: ManagedJob[],
  ) {
    for (const job of jobs) {
      if (!JOB_NAME.test(job.name)) throw new Error(`scheduler: invalid job name "${job.name}"`);
      if (this.specs.has(job.name)) throw new Error(`scheduler: job "${job.name}" registered twice`);
      parseInterval(job.defaultInterval, { min: 1 });
      this.specs.set(job.name, job);
    }
    this.settings = new JobSettingsStore(options.knex);
    this.executions = new ExecutionStore(options.knex);
  }

  private get by(): { lastModifiedBy: string } {
    return { lastModifiedBy: this.options.instanceName ?? `${os.hostname()}:${process.pid}` };
  }

  private get ready(): Agenda {
    if (!this.agenda) throw new AppError('UNSUPPORTED', 'the scheduler is not initialised');
    return this.agenda;
  }

  /** Connects agenda's storage, defines the jobs and brings their schedules in line with the settings. */
  async init(): Promise<void> {
    const { backend, processEveryMs, lockLifetimeMs, logger } = this.options;
    await backend.connect();
    const agenda = new Agenda({ backend, name: this.by.lastModifiedBy, processEvery: processEveryMs, defaultLockLifetime: lockLifetimeMs, defaultConcurrency: 1, maxConcurrency: 10 });
    agenda.on('error', (err: Error) => logger.warn({ err }, 'scheduler: agenda error'));
    // Count this process's runs only: on PostgreSQL agenda re-emits other processes' events with remote=true.
    agenda.on('start', (_job: unknown, remote?: boolean) => {
      if (!remote) this.inFlight++;
    });
    agenda.on('complete', (_job: unknown, remote?: boolean) => {
      if (remote) return;
      this.inFlight--;
      if (this.inFlight <= 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    const runner = new JobRunner({
      executions: this.executions,
      logger,
      heartbeatMs: Math.max(250, Math.floor(lockLifetimeMs / 4)),
      signal: this.abort.signal,
      isEnabled: async (name) => (await this.settings.get(name))?.enabled ?? false,
      history: { maxAgeMs: this.options.historyDays * 86_400_000, keep: 1000 },
      onFinished: this.options.onFinished,
    });
    for (const spec of this.specs.values()) {
      agenda.define(spec.name, (job) => runner.execute(spec, job), { concurrency: 1, lockLifetime: lockLifetimeMs, removeOnComplete: true });
    }
    this.agenda = agenda;
    for (const spec of this.specs.values()) {
      const settings = await this.settings.ensure(spec.name, { enabled: spec.enabledByDefault ?? true, intervalMs: parseInterval(spec.defaultInterval, { min: 1 }) });
      await this.syncSchedule(settings);
    }
  }

  /** Starts processing due jobs in this process (several processes may do so on one PostgreSQL database). */
  async start(): Promise<void> {
    await this.ready.start();
  }

  /**
   * Stops taking jobs, tells running ones to stop (their AbortSignal), waits at most `drainMs`
   * for them, then releases the storage. A job still running after that is recorded as
   * interrupted by the next sweep. Idempotent.
   */
  close(drainMs = 5000): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      if (this.agenda) {
        await this.agenda.stop(false);
        if (this.inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, drainMs);
            timer.unref();
            this.idleWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
      await this.options.backend.close();
    })();
    return this.closing;
  }

  private spec(name: string): ManagedJob {
    const spec = this.specs.get(name);
    if (!spec) throw new AppError('NOT_FOUND', `no job named ${name}`);
    return spec;
  }

  /** agenda's repeating row of each job (agenda `single` jobs), by name. */
  private async schedules(names: string[]): Promise<Map<string, JobParameters>> {
    const { jobs } = await this.ready.db.queryJobs({ names });
    return new Map(jobs.filter((j) => j.type === 'single').map((j) => [j.name, j]));
  }

  /** Makes agenda's repeating row match the settings: interval (rescheduled from the last run) and enabled. */
  private async syncSchedule(settings: JobSettings): Promise<void> {
    const db = this.ready.db;
    const now = Date.now();
    const row = (await this.schedules([settings.name])).get(settings.name);
    const interval = String(settings.intervalMs);
    if (!row) {
      await db.saveJob({ name: settings.name, type: 'single', priority: 0, data: {}, repeatInterval: interval, nextRunAt: new Date(now + settings.intervalMs), disabled: !settings.enabled }, this.by);
      return;
    }
    if (String(row.repeatInterval) === interval && Boolean(row.disabled) === !settings.enabled) return;
    const { state: _state, ...params } = row as JobParameters & { state?: unknown };
    const next = String(row.repeatInterval) === interval ? row.nextRunAt : new Date(Math.max(now, (row.lastRunAt?.getTime() ?? now) + settings.intervalMs));
    await db.saveJob({ ...params, repeatInterval: interval, nextRunAt: next, disabled: !settings.enabled }, this.by);
  }

  /** Marks executions whose process is gone (no heartbeat) or that no scheduler ever picked up as failed. */
  private sweep(): Promise<number> {
    const { lockLifetimeMs, processEveryMs } = this.options;
    return this.executions.sweep(Math.max(30_000, lockLifetimeMs * 2), Math.max(300_000, processEveryMs * 20));
  }

  private async views(names: string[]): Promise<JobView[]> {
    await this.sweep();
    const [rows, active] = await Promise.all([this.schedules(names), this.executions.active()]);
    const views: JobView[] = [];
    for (const name of names) {
      const spec = this.spec(name);
      const settings = (await this.settings.get(name))!;
      const next = rows.get(name)?.nextRunAt;
      views.push({
        name,
        description: spec.description,
        enabled: settings.enabled,
        intervalMs: settings.intervalMs,
        interval: formatInterval(settings.intervalMs),
        nextRunAt: settings.enabled && next ? next.getTime() : null,
        lastRun: await this.executions.lastFinished(name),
        current: active.get(name) ?? null,
      });
    }
    return views;
  }

  /** Every managed job with its settings and state, in registration order. */
  list(): Promise<JobView[]> {
    return this.views([...this.specs.keys()]);
  }

  async get(name: string): Promise<JobView> {
    this.spec(name);
    return (await this.views([name]))[0];
  }

  /** Queues a run now (also of a disabled job); CONFLICT while one is queued or running. */
  async runNow(name: string, actor: RequestActor<Principal>): Promise<{ executionId: number }> {
    this.spec(name);
    return audited(this.options.audit, actor, 'job.run', name, {}, () => this.enqueue(name, 'manual', actor));
  }

  /** Runs a failed execution's job again, linked to it. */
  async retry(executionId: number, actor: RequestActor<Principal>): Promise<{ executionId: number; job: string }> {
    const failed = await this.executions.get(executionId);
    if (!failed || !this.specs.has(failed.job)) throw new AppError('NOT_FOUND', `no execution ${executionId}`);
    return audited(this.options.audit, actor, 'job.retry', failed.job, { retryOf: executionId }, async () => {
      if (failed.status !== 'failed') throw new AppError('CONFLICT', `execution ${executionId} is ${failed.status}: only a failed execution can be retried`);
      return { ...(await this.enqueue(failed.job, 'retry', actor, executionId)), job: failed.job };
    });
  }

  private async enqueue(name: string, trigger: ExecutionTrigger, actor: RequestActor<Principal>, retryOf: number | null = null): Promise<{ executionId: number }> {
    await this.sweep();
    const executionId = await this.executions.enqueue(name, trigger, actor.principal.username, retryOf);
    try {
      await this.ready.now<RunRequest>(name, { executionId });
    } catch (err) {
      await this.executions.discard(executionId);
      throw err;
    }
    return { executionId };
  }

  /** Enables/disables a job or changes its interval (at least one minute). */
  async update(name: string, change: { enabled?: boolean; interval?: string | number }, actor: RequestActor<Principal>): Promise<JobView> {
    this.spec(name);
    const intervalMs = change.interval === undefined ? undefined : parseInterval(change.interval);
    await audited(this.options.audit, actor, 'job.update', name, { enabled: change.enabled, intervalMs }, async () => {
      await this.syncSchedule(await this.settings.update(name, { enabled: change.enabled, intervalMs }, actor.principal.username));
    });
    return this.get(name);
  }

  /** A job's executions, newest first. */
  async history(name: string, limit: number, offset: number): Promise<{ items: ExecutionView[]; total: number }> {
    this.spec(name);
    await this.sweep();
    return this.executions.list(name, limit, offset);
  }

  /** Executions of every job (or one job, one status), newest first. */
  async searchHistory(filter: { job?: string; status?: ExecutionStatus }, limit: number, offset: number): Promise<{ items: ExecutionView[]; total: number }> {
    if (filter.job) this.spec(filter.job);
    await this.sweep();
    return this.executions.search(filter, limit, offset);
  }

  /** One execution. */
  async execution(id: number): Promise<ExecutionView> {
    const found = await this.executions.get(id);
    if (!found) throw new AppError('NOT_FOUND', `no execution ${id}`);
    return found;
  }
}
