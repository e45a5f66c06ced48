/** What a running job may use besides its own service. */
export interface JobRunContext {
  /** The execution being recorded (shown in the history). */
  readonly executionId: number;
  /** Aborted when nasd shuts down: long jobs should stop early (the run is then recorded as failed). */
  readonly signal: AbortSignal;
  /** Reports progress (0–100) into the execution record; also keeps the job's lock alive. */
  progress(percent: number): Promise<void>;
}

/**
 * A job the scheduler manages. `run` calls one service through a small interface and returns a
 * JSON-serialisable report (a drift report, counts…) stored with the execution; throwing records
 * the execution as failed with the error's message.
 */
export interface ManagedJob {
  /** Dotted, lower case: `storage.reconcile`. */
  readonly name: string;
  readonly description: string;
  /** Until an administrator changes it: milliseconds or a human string (`"1 day"`). */
  readonly defaultInterval: number | string;
  /** Whether it runs on its schedule until an administrator changes it; true unless given. */
  readonly enabledByDefault?: boolean;
  run(ctx: JobRunContext): Promise<unknown>;
}

export type ExecutionTrigger = 'schedule' | 'manual' | 'retry';
export type ExecutionStatus = 'queued' | 'running' | 'ok' | 'failed';

/** One execution as the API shows it (times in epoch ms). */
export interface ExecutionView {
  id: number;
  job: string;
  trigger: ExecutionTrigger;
  status: ExecutionStatus;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  progress: number | null;
  message: string | null;
  report: unknown;
  requestedBy: string | null;
  retryOf: number | null;
}

/** A managed job with its settings and state. */
export interface JobView {
  name: string;
  description: string;
  enabled: boolean;
  intervalMs: number;
  /** The interval in words (`"1 day"`). */
  interval: string;
  /** When the scheduler will run it next; null while disabled. */
  nextRunAt: number | null;
  /** The last finished execution. */
  lastRun: ExecutionView | null;
  /** The execution queued or running now. */
  current: ExecutionView | null;
}
