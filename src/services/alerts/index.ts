import type { Knex } from 'knex';
import type { AuditLog } from '../../audit/index.js';
import type { Logger } from '../../lib/log.js';
import { PeriodicTask } from '../../lib/periodic.js';
import type { SecretBox } from '../identity/index.js';
import { ChannelService, type EnvEmailChannel } from './channel-service.js';
import { ChannelStore } from './channel-store.js';
import type { RetryPolicy } from './channels/webhook.js';
import { AlertEvaluator, type EvaluationSources } from './evaluator.js';
import { JobFailureTracker, SecurityEventWatcher, type IsAdmin } from './events.js';
import { Notifier } from './notifier.js';
import { AlertService, type AlertReporter, type AlertTiming } from './service.js';
import { scrubHistory, type JobState } from './schedule-checks.js';
import { AlertStore } from './store.js';

export type { AlertReporter, AlertTiming, AlertViewer, AlertView } from './service.js';
export type { AlertService } from './service.js';
export type { ChannelService, ChannelInput, ChannelView, EnvEmailChannel } from './channel-service.js';
export { ENV_CHANNEL_NAME, splitSmtpUrl } from './channel-service.js';
export { RULES, SEVERITIES, FAMILIES, type AlertRule, type AlertSeverity, type RuleFamily } from './rules.js';
export { SIGNATURE_HEADER, SIGNATURE_TIME_HEADER, signBody } from './channels/webhook.js';
export { WEBHOOK_SCHEMA } from './channels/message.js';

/** Closed alerts and delivery outcomes are kept this long. */
const HISTORY_DAYS = 365;

/** Settings of the alerting system (from config.alerts). */
export interface AlertsSettings extends AlertTiming {
  evaluateEveryMs: number;
  smartMaxAgeMs: number;
  retry: RetryPolicy;
  jobFailuresInARow: number;
  reconcileDriftBytes: number;
  /** An array without a successful scrub start for this long alerts (`raid.scrub_overdue`). */
  scrubOverdueMs: number;
  pageUrl: string | null;
  email: EnvEmailChannel | null;
}

export interface AlertsDeps {
  knex: Knex;
  box: SecretBox;
  audit: AuditLog;
  logger: Logger;
  sources: EvaluationSources;
  isAdmin: IsAdmin;
  settings: AlertsSettings;
  now?: () => number;
}

/** The alerting system as main.ts wires it. */
export interface Alerts {
  readonly service: AlertService;
  readonly channels: ChannelService;
  /** What SMB and other parts report conditions into. */
  readonly reporter: AlertReporter;
  /** The scheduler's onFinished hook. */
  readonly jobFinished: (job: string, outcome: 'ok' | 'failed') => void;
  /** Runs one evaluation now (the loop does the same every `evaluateEveryMs`); returns families that could not be read. */
  evaluate(): Promise<string[]>;
  /** A reconcile run's drift: over the threshold it opens `storage.reconcile_drift`. */
  reportReconcile(report: { added: number; removed: number; resized: number; usage: { before: { bytes: number }; after: { bytes: number } }[] }): Promise<void>;
  /** Lets the loop check the scheduler's jobs for missed runs (the scheduler is built after alerts). */
  watchJobs(jobs: { list(): Promise<JobState[]> }): void;
  /** Resolves when queued work (audit events, job outcomes, notification deliveries) is done. */
  idle(): Promise<void>;
  /** Applies the environment's channel and starts the loop. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the alerting system; no I/O until start(). */
export function createAlerts(deps: AlertsDeps): Alerts {
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  const { settings } = deps;
  const channelStore = new ChannelStore(deps.knex, deps.box);
  const notifier = new Notifier(channelStore, settings.retry, logger, now);
  const alertStore = new AlertStore(deps.knex);
  const service = new AlertService(alertStore, notifier, settings, logger, settings.pageUrl, now);
  notifier.watchHealth((channel, result) =>
    result.ok ? service.clear('alerts.channel_failing', channel.name) : service.raise('alerts.channel_failing', channel.name, { channelId: channel.id, error: result.error ?? 'unknown', attempts: result.attempts }),
  );
  const channels = new ChannelService(channelStore, notifier, now);
  const sources: EvaluationSources = { scrubs: deps.sources.raid ? () => scrubHistory(deps.knex) : undefined, ...deps.sources };
  const evaluator = new AlertEvaluator(service, sources, { smartMaxAgeMs: settings.smartMaxAgeMs, scrubOverdueMs: settings.scrubOverdueMs, now });
  const security = new SecurityEventWatcher(service, deps.isAdmin, logger);
  const jobs = new JobFailureTracker(service, settings.jobFailuresInARow, logger);
  deps.audit.observe(security.observe);
  let running: Promise<string[]> | undefined;
  const evaluate = () =>
    (running ??= (async () => {
      const unreadable = await evaluator.evaluate();
      const cutoff = now() - HISTORY_DAYS * 86_400_000;
      await alertStore.pruneClosed(cutoff);
      await channelStore.pruneDeliveries(cutoff);
      return unreadable;
    })().finally(() => (running = undefined)));
  const loop = new PeriodicTask(evaluate, logger, 'alerts: evaluation failed');
  return {
    service,
    channels,
    reporter: service,
    jobFinished: jobs.finished,
    watchJobs(list) {
      sources.jobs = list;
    },
    evaluate,
    async reportReconcile(report) {
      const drift = report.usage.reduce((sum, u) => sum + Math.abs(u.after.bytes - u.before.bytes), 0);
      if (drift < settings.reconcileDriftBytes) return;
      await service.raise('storage.reconcile_drift', 'storage', { driftBytes: drift, added: report.added, removed: report.removed, resized: report.resized });
    },
    idle: async () => {
      await security.idle();
      await jobs.idle();
      await notifier.idle();
    },
    async start() {
      await channels.applyEnvironment(settings.email);
      loop.start(settings.evaluateEveryMs);
    },
    async stop() {
      await loop.stop();
      await running;
      await security.idle();
      await jobs.idle();
      await notifier.close();
    },
  };
}
