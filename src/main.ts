import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp } from './api/app.js';
import { ApiRouter } from './api/api-router.js';
import { OpenApiRegistry } from './api/openapi.js';
import { healthRoutes, livenessOf } from './api/routes/health.js';
import { auditRoutes } from './api/routes/audit.js';
import { authRoutes } from './api/routes/auth.js';
import { meRoutes } from './api/routes/me.js';
import { settingsRoutes } from './api/routes/settings.js';
import { usersRoutes } from './api/routes/users.js';
import { createIdentity, type FirstRunResult, type Identity } from './services/identity/index.js';
import { Accounts } from './services/accounts.js';
import { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import { isPostgresUrl, openDatabase, type Database } from './db/index.js';
import { CorsPolicy } from './lib/cors-policy.js';
import { createLogger, type Logger } from './lib/log.js';
import { createHttpServer, type HttpFront, type HttpServerLimits } from './http/server.js';
import { notServingHandler } from './http/not-serving.js';
import { Readiness } from './http/readiness.js';
import { connectionCapWithin, openFilesLimit } from './lib/fd-limit.js';
import { installFdExhaustionGuard } from './lib/resource-guard.js';
import { projectRoot } from './lib/paths.js';
import { actingAs, systemActor } from './lib/request-actor.js';
import { adminUi } from './ui/serve.js';
import path from 'node:path';
import { NASD_VERSION } from './version.js';
import { sharesRoutes, usageRoutes } from './api/routes/shares.js';
import { filesRoutes } from './api/routes/files.js';
import { createVfs, type ShareService, type UploadSessions, type VfsService } from './vfs/index.js';
import { createTusHandler } from '../protocols/tus/index.js';
import { answerDavDiscovery, createWebdavHandler } from '../protocols/webdav/index.js';
import { createHardware } from '../hardware/index.js';
import { createHardwareServices, SystemInformationBackend, type HardwareServices } from './services/hardware/index.js';
import { hardwareRoutes } from './api/routes/hardware.js';
import { raidRoutes } from './api/routes/raid.js';
import { smartRoutes } from './api/routes/smart.js';
import { powerRoutes } from './api/routes/power.js';
import { fansRoutes } from './api/routes/fans.js';
import { telemetryRoutes } from './api/routes/telemetry.js';
import { httpMetrics, metricsRoutes } from './api/routes/metrics.js';
import { jobsRoutes } from './api/routes/jobs.js';
import { managedJobs, openScheduler, type Scheduler } from './scheduler/index.js';
import { auditRetentionJob } from './services/audit-retention.js';
import { createAlerts, type Alerts } from './services/alerts/index.js';
import { alertsRoutes } from './api/routes/alerts.js';
import { loadTotpKey, SecretBox } from './services/identity/index.js';
import { cleanRecycleBins, knexSmbSwitchStore, loadSmbModel, SmbActivity, SmbAuditReader, SmbCatchUp, SmbSync, type SmbApplyResult } from './services/smb/index.js';
import { auditLogFileOf, createSmbBackend, readAccountUids, unixAccountOf } from '../protocols/smb/index.js';
import { runCommand } from './lib/exec.js';
import { smbRoutes } from './api/routes/smb.js';
import { UserDataBackup } from './services/user-data-backup/index.js';
import { connectRoutes } from './api/routes/connect.js';
import type Koa from 'koa';
import type { ApiState } from './api/context.js';

/** A running (or ready to listen) nasd: everything main.ts built, for the CLI and the tests. */
export interface Nasd {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly audit: AuditLog;
  readonly identity: Identity;
  /** The storage core every protocol goes through. */
  readonly vfs: VfsService;
  readonly shares: ShareService;
  /** tus upload sessions (the scheduler runs `deleteExpired`). */
  readonly uploads: UploadSessions;
  /** RAID, SMART, power, fans, telemetry, metrics; `hardware.simulator` drives simulated backends. */
  readonly hardware: HardwareServices;
  /** Alerts and notifications; `alerts.reporter` is where SMB and other parts report conditions. */
  readonly alerts: Alerts;
  /** Samba: generated configuration, account sync, usage catch-up of SMB writes. */
  readonly smb: SmbSync;
  /** Managed jobs (reconcile, upload cleanup, retention, SMART, RAID scrub) on agenda. */
  readonly scheduler: Scheduler;
  /** Set when this start created the first admin: how to log in (shown once, by the CLI). */
  readonly firstRun?: FirstRunResult;
  readonly server: http.Server;
  /** Starts listening on config.host:config.port (port 0 → a free port); the address when already listening. */
  listen(): Promise<AddressInfo>;
  /**
   * Readiness goes false, no new connections are accepted, idle keep-alive ones are closed;
   * running requests get `graceMs` (default 0) to finish before their connections are cut; then
   * the scheduler, services and database close. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface CreateNasdOptions {
  logger?: Logger;
}

export interface StartNasdOptions extends CreateNasdOptions {
  /** Called, and awaited, once the server listens: before the database is migrated. */
  onListening?: (address: AddressInfo) => void | Promise<void>;
}

/** A readiness probe times out after this long, so a hung database cannot hang the answer. */
const READINESS_PROBE_MS = 2000;

/** The HTTP server and readiness, made before anything else so the server can answer while nasd starts. */
interface Front {
  http: HttpFront;
  readiness: Readiness;
  listen(): Promise<AddressInfo>;
}

function openFront(config: Config, logger: Logger): Front {
  const readiness = new Readiness(READINESS_PROBE_MS);
  const liveness = () => livenessOf(NASD_VERSION, isPostgresUrl(config.databaseUrl) ? 'postgres' : 'sqlite');
  const front = createHttpServer(httpLimits(config, logger), notServingHandler(readiness, liveness), logger.child({ component: 'http' }));
  const server = front.server;
  let removeGuard: (() => void) | undefined;
  server.once('close', () => removeGuard?.());
  return {
    http: front,
    readiness,
    listen: () =>
      new Promise<AddressInfo>((resolve, reject) => {
        if (server.listening) return resolve(server.address() as AddressInfo);
        removeGuard ??= installFdExhaustionGuard(logger);
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
  };
}

/** Builds nasd without listening (`listen()` starts serving): what the tests use. */
export async function createNasd(config: Config, options: CreateNasdOptions = {}): Promise<Nasd> {
  const logger = options.logger ?? createLogger(config.logLevel);
  return assemble(config, logger, openFront(config, logger));
}

/**
 * Listens first, then builds nasd: while the database is migrated and the services start, the
 * server answers liveness, readiness (503 with the phase) and 503 for everything else.
 */
export async function startNasd(config: Config, options: StartNasdOptions = {}): Promise<Nasd> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const front = openFront(config, logger);
  // Migrating is what comes right after listening.
  front.readiness.notReady('migrating the database');
  const address = await front.listen();
  try {
    await options.onListening?.(address);
    return await assemble(config, logger, front);
  } catch (err) {
    await front.http.drain(0);
    throw err;
  }
}

/** The composition root: the only place that builds concrete classes and wires them together. */
async function assemble(config: Config, logger: Logger, front: Front): Promise<Nasd> {
  const { readiness } = front;
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  readiness.notReady('migrating the database');
  const db = await openDatabase(config.databaseUrl, config.dataDir);
  readiness.notReady('starting services');
  const audit = new AuditLog(db.knex);
  // Built before identity, which reports passwords to it; it reads the VFS only once started.
  // `alerts` is built below; SMB reports its outcomes only once it has started, after that.
  const smb = createSmb(config, db, audit, () => vfs, logger.child({ component: 'smb' }), (result) => reportSmbOutcome(alerts.reporter, result, logger));
  const identity = createIdentity({ knex: db.knex, audit, config, logger: logger.child({ component: 'identity' }), events: smb });
  const firstRun = await identity.ensureInitialAdmin();
  if (firstRun) logger.warn({ username: firstRun.username, passwordFile: firstRun.passwordFile }, 'first run: created the administrator account');
  const { vfs, shares, uploads } = await createVfs({
    knex: db.knex,
    audit,
    storageRoot: config.storageRoot,
    backend: config.storageBackend,
    keysFingerprint: identity.keysFingerprint,
    logger,
    // Upload bytes are counted by the metrics service, built below once the VFS exists (it reports usage).
    onCommitted: (protocol, bytes) => hw.metrics.countUpload(protocol, bytes),
  });
  const recovered = await vfs.start();
  if (recovered.tempFiles || recovered.reservations) logger.warn(recovered, 'storage: dropped leftovers of an interrupted run');
  const hw = createHardwareServices({
    hardware: await createHardware(config.hardware, { realSystem: () => new SystemInformationBackend() }),
    knex: db.knex,
    audit,
    logger: logger.child({ component: 'hardware' }),
    usage: async () => (await vfs.usageReports()).map((u) => ({ username: u.username, usedBytes: u.usedBytes, quotaBytes: u.quotaBytes })),
  });
  hw.start({ fanMs: config.hardware.fanIntervalSeconds * 1000, telemetryMs: config.hardware.telemetryIntervalSeconds * 1000 });
  const alerts = createAlerts({
    knex: db.knex,
    // Channel secrets share the at-rest key of TOTP secrets.
    box: new SecretBox(loadTotpKey(config.auth.totpKey, config.dataDir)),
    audit,
    logger: logger.child({ component: 'alerts' }),
    sources: { raid: hw.raid, smart: hw.smart, fans: hw.fans, telemetry: hw.telemetry, usage: () => vfs.usageReports() },
    isAdmin: async (username) => (await identity.users.list()).some((u) => u.username === username && u.role === 'admin'),
    settings: alertSettings(config),
  });
  await alerts.start();
  const scheduler = await openScheduler({
    onFinished: (job, outcome) => {
      hw.metrics.countJobRun(job, outcome);
      alerts.jobFinished(job, outcome);
    },
    db,
    databaseUrl: config.databaseUrl,
    settings: config.scheduler,
    audit,
    logger: logger.child({ component: 'scheduler' }),
    jobs: managedJobs({
      storage: {
        reconcile: async () => {
          const report = await vfs.reconcile();
          await alerts.reportReconcile(report);
          return report;
        },
      },
      uploads,
      auditRetention: auditRetentionJob(audit, config.audit.retentionDays, logger),
      identity,
      smart: hw.smart,
      raid: hw.raid,
      userDataBackup: config.backup.target
        ? new UserDataBackup({ ...config.backup, target: config.backup.target, storageRoot: config.storageRoot, run: runCommand, alerts: alerts.reporter, logger: logger.child({ component: 'backup' }) })
        : undefined,
      smbRecycle:
        config.smb.mode === 'off'
          ? undefined
          : () => cleanRecycleBins({ storageRoot: config.storageRoot, shares: () => shares.all(), days: config.smb.recycleDays, afterwards: () => vfs.reconcile() }),
    }),
  });
  alerts.watchJobs(scheduler);
  await smb.start();

  const cors = new CorsPolicy(config.http.corsOrigins);
  const openapi = new OpenApiRegistry();
  const router = (prefix: string, tag: string) => new ApiRouter(`/api${prefix}`, openapi, tag, config.http.maxJsonBytes);

  const system = router('', 'system');
  healthRoutes(system, { version: NASD_VERSION, dbKind: db.kind, ready: () => readiness.check() });
  const authApi = router('/auth', 'auth');
  authRoutes(authApi, identity, cors);
  const meApi = router('', 'me');
  meRoutes(meApi, identity);
  connectRoutes(meApi, smb);
  const usersApi = router('', 'users');
  usersRoutes(usersApi, identity, new Accounts(identity.users, vfs.retirement));
  const settingsApi = router('', 'settings');
  settingsRoutes(settingsApi, config, identity);
  const auditApi = router('', 'audit');
  auditRoutes(auditApi, audit);
  const sharesApi = router('/shares', 'shares');
  sharesRoutes(sharesApi, shares);
  const usageApi = router('/usage', 'usage');
  usageRoutes(usageApi, vfs);
  const filesApi = router('/files', 'files');
  filesRoutes(filesApi, vfs);
  const hardwareApi = router('', 'hardware');
  hardwareRoutes(hardwareApi, hw);
  const raidApi = router('/raid', 'raid');
  raidRoutes(raidApi, hw.raid);
  const smartApi = router('/smart', 'smart');
  smartRoutes(smartApi, hw.smart);
  const powerApi = router('', 'power');
  powerRoutes(powerApi, hw.power);
  const fansApi = router('', 'fans');
  fansRoutes(fansApi, hw.fans);
  const telemetryApi = router('/telemetry', 'telemetry');
  telemetryRoutes(telemetryApi, hw.telemetry);
  const metricsApi = new ApiRouter('', openapi, 'metrics', config.http.maxJsonBytes);
  metricsRoutes(metricsApi, hw.metrics, config.metricsToken);
  const hardwareRouters = [hardwareApi, raidApi, smartApi, powerApi, fansApi, telemetryApi, metricsApi];
  const jobsApi = router('/jobs', 'jobs');
  jobsRoutes(jobsApi, scheduler);
  const alertsApi = router('/alerts', 'alerts');
  alertsRoutes(alertsApi, alerts, audit);
  const smbApi = router('/smb', 'smb');
  smbRoutes(smbApi, smb, audit);

  const app = createApiApp({
    logger,
    version: NASD_VERSION,
    trustProxy: config.trustProxy,
    cors,
    openapi,
    routers: [system, authApi, meApi, usersApi, settingsApi, auditApi, sharesApi, usageApi, filesApi, ...hardwareRouters, jobsApi, alertsApi, smbApi],
    observe: observeApi(httpMetrics(hw.metrics), smb),
    fallback: adminUi(path.join(projectRoot(), 'admin-ui'), path.join(projectRoot(), 'node_modules')),
    verifyBearer: identity.verifyAccessToken,
  });
  const tus = createTusHandler({ sessions: uploads, verifyBearer: identity.verifyAccessToken, logger, path: '/api/uploads', trustProxy: config.trustProxy, cors });
  const dav = createWebdavHandler({
    vfs,
    locks: vfs.locks,
    verify: identity.verifyBasic,
    logger: logger.child({ protocol: 'webdav' }),
    trustProxy: config.trustProxy,
  });
  front.http.mount(
    [
      { prefix: '/api/uploads', handler: tus.handle },
      { prefix: '/dav', handler: dav },
    ],
    answerDavDiscovery(app.callback()),
  );
  readiness.serving(() => db.ping());

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    audit,
    identity,
    vfs,
    shares,
    uploads,
    hardware: hw,
    alerts,
    smb,
    scheduler,
    firstRun,
    server: front.http.server,
    listen: front.listen,
    close: ({ graceMs = 0 } = {}) =>
      (closing ??= (async () => {
        readiness.notReady('shutting down');
        const { cut } = await front.http.drain(graceMs);
        if (cut) logger.warn({ cut, graceMs }, 'shutdown: requests still running after the grace period were cut');
        // Each part closes even when one before it failed (a database that went away, for one).
        const parts: Array<[string, () => Promise<void>]> = [
          ['scheduler', () => scheduler.close()],
          ['alerts', () => alerts.stop()],
          ['smb', () => smb.close()],
          ['hardware', () => hw.stop()],
          ['storage', () => vfs.close()],
          ['database', () => db.close()],
        ];
        for (const [part, closePart] of parts) await closePart().catch((err: unknown) => logger.warn({ err, part }, 'shutdown: closing a part failed'));
      })()),
  };
}

/** The HTTP server's caps and timeouts from the config, the total cap fitted under the descriptor limit. */
function httpLimits(config: Config, logger: Logger): HttpServerLimits {
  const fdLimit = openFilesLimit();
  const total = connectionCapWithin(config.http.maxConnections, fdLimit);
  if (total !== config.http.maxConnections) logger.info({ configured: config.http.maxConnections, cap: total, fdLimit }, 'http: connection cap lowered to fit the open-files limit');
  return {
    connections: { total, perAddress: config.trustProxy ? 0 : config.http.maxConnectionsPerAddress },
    headersTimeoutMs: config.http.headersTimeoutSeconds * 1000,
    idleTimeoutMs: config.http.idleTimeoutSeconds * 1000,
  };
}

function alertSettings(config: Config): Parameters<typeof createAlerts>[0]['settings'] {
  const a = config.alerts;
  return {
    evaluateEveryMs: a.evaluateIntervalSeconds * 1000,
    clearAfterMs: a.clearAfterSeconds * 1000,
    reminderEveryMs: a.reminderHours * 3_600_000,
    smartMaxAgeMs: a.smartMaxAgeSeconds * 1000,
    retry: { attempts: a.deliveryAttempts, backoffMs: a.retryBackoffMs, timeoutMs: a.deliveryTimeoutMs },
    jobFailuresInARow: a.jobFailuresInARow,
    reconcileDriftBytes: a.reconcileDriftBytes,
    scrubOverdueMs: a.scrubOverdueDays * 86_400_000,
    pageUrl: a.pageUrl ?? null,
    email: a.smtpUrl && a.smtpFrom && a.email.length ? { smtpUrl: a.smtpUrl, from: a.smtpFrom, to: a.email } : null,
  };
}

/**
 * The API observer: metrics around every request, and after a successful change to shares, ACLs
 * or users a debounced SMB regeneration (the sync's interval would catch it later anyway).
 */
function observeApi(metrics: Koa.Middleware<ApiState>, smb: SmbSync): Koa.Middleware<ApiState> {
  return (ctx, next) =>
    metrics(ctx, async () => {
      await next();
      if (ctx.method !== 'GET' && ctx.status < 400 && /^\/api\/(shares|users)(\/|$)/.test(ctx.path)) smb.requestRegenerate();
    });
}

/** The SMB sync over Samba, from the `smb` settings (NASD_SMB, NASD_SMB_CONF, NASD_SMB_INCLUDE, NASD_SMB_RELOAD…). */
/** A refused configuration or a failed reload opens its alert; the next good outcome clears it. */
function reportSmbOutcome(reporter: Alerts['reporter'], result: SmbApplyResult, logger: Logger): void {
  const refused = !result.installed && Boolean(result.error);
  const reloadFailed = result.installed && !result.reloaded && Boolean(result.error);
  const report = (rule: string, holds: boolean) =>
    (holds ? reporter.raise(rule, 'samba', { error: result.error, testparm: result.testparm }) : reporter.clear(rule, 'samba')).catch((err: unknown) =>
      logger.warn({ err, rule }, 'smb: reporting to alerts failed'),
    );
  void report('smb.config_refused', refused);
  void report('smb.reload_failed', reloadFailed);
}

function createSmb(config: Config, db: Database, audit: AuditLog, vfsOf: () => VfsService, logger: Logger, onApplied: (result: SmbApplyResult) => void): SmbSync {
  const includeFile = path.resolve(config.smb.include ?? path.join(config.dataDir, 'samba', 'nasd.conf'));
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  const asRoot = process.getuid?.() === 0;
  const helper = config.smb.helper
    ? words(config.smb.helper)
    : asRoot
      ? [path.join(projectRoot(), 'deploy', 'nasd-smb-helper')]
      : ['sudo', '-n', '/usr/local/lib/nasd/nasd-smb-helper'];
  const backend = createSmbBackend({
    storageRoot: config.storageRoot,
    smbConf: config.smb.conf,
    includeFile,
    reload: words(config.smb.reload ?? `smbcontrol --configfile=${config.smb.conf} smbd reload-config`),
    helper,
    globals: config.smb.globals ? { encryption: config.smb.encryption, disableNetbios: config.smb.disableNetbios } : undefined,
    timeMachineMaxSize: config.smb.timeMachineMaxSize,
    avahi: config.smb.avahi === 'auto' ? { dir: config.smb.avahiDir, webdavPort: config.port } : undefined,
    run: runCommand,
  });
  const loadModel = () => loadSmbModel(db.knex, vfsOf());
  const ensureHome = (u: { id: number; username: string }) => vfsOf().stat(actingAs(systemActor(), { userId: u.id, username: u.username, isAdmin: false }), '/home');
  const catchUp = new SmbCatchUp({
    vfs: { reconcile: (options) => vfsOf().reconcile(options) },
    storageRoot: config.storageRoot,
    userIds: async () => new Map((await loadModel()).users.map((u) => [u.username, u.id])),
    accountUids: () => readAccountUids(),
    ensureHome,
  });
  const auditLogFile = auditLogFileOf(includeFile);
  const activity = new SmbActivity(auditLogFile);
  const auditReader = new SmbAuditReader({
    logFile: auditLogFile,
    stateFile: `${auditLogFile}.offset`,
    storageRoot: config.storageRoot,
    usersByAccount: async () => {
      const byAccount = new Map<string, { id: number; username: string }>();
      for (const u of (await loadModel()).users) {
        const account = unixAccountOf(u.username);
        if (account) byAccount.set(account, { id: u.id, username: u.username });
      }
      return byAccount;
    },
    audit,
  });
  return new SmbSync(backend, {
    loadModel,
    logger,
    enabled: config.smb.mode !== 'off',
    includeFile,
    accountOf: unixAccountOf,
    intervalMs: config.smb.intervalSeconds * 1000,
    beforeTick: async () => {
      try {
        if (await activity.due()) {
          try {
            await catchUp.run();
          } finally {
            activity.ran();
          }
        }
      } finally {
        await auditReader.run();
      }
    },
    onApplied,
    switchStore: knexSmbSwitchStore(db.knex),
    ensureHome,
  });
}
