import { z } from 'zod';

const hwMode = z.enum(['auto', 'real', 'simulated']);

/**
 * The whole configuration of a nasd process. Every setting has a default so that a bare
 * `npm start` runs the embedded setup (SQLite and storage under ./data).
 */
export const configSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8080),
    dataDir: z.string().min(1).default('./data'),
    /** Where user files live; defaults to `<dataDir>/storage`. */
    storageRoot: z.string().min(1).optional(),
    /** Storage backend: `fast` (worker threads, batching) or `reference` (plain node:fs, one call at a time). */
    storageBackend: z.enum(['fast', 'reference']).default('fast'),
    /** `postgres://…` for PostgreSQL; absent means SQLite at `<dataDir>/nasd.sqlite`. */
    databaseUrl: z
      .string()
      .regex(/^(postgres|postgresql|sqlite):\/\//, 'must start with postgres://, postgresql:// or sqlite://')
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** On SIGTERM/SIGINT, how long running requests (uploads) may take to finish before their connections are cut, seconds. */
    shutdownGraceSeconds: z.number().int().min(0).max(3600).default(30),
    /** Behind a reverse proxy: trust X-Forwarded-For for the client address. */
    trustProxy: z.boolean().default(false),
    /** First-run admin password; random when absent. Ignored once any user exists. */
    adminPassword: z.string().min(8).optional(),
    auth: z
      .object({
        accessTokenTtlSeconds: z.number().int().min(60).max(86_400).default(900),
        refreshTokenTtlSeconds: z.number().int().min(300).max(90 * 86_400).default(7 * 86_400),
        bcryptCost: z.number().int().min(4).max(15).default(12),
        /** HS256 key (≥ 32 chars); generated into `<dataDir>/jwt-secret` when absent. */
        jwtSecret: z.string().min(32).optional(),
        /** AES-256 key for TOTP secrets at rest (32 bytes, base64); generated into `<dataDir>/totp-key` when absent. */
        totpKey: z
          .string()
          .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)')
          .optional(),
        /**
         * Failed credential checks allowed in `loginWindowSeconds`: per account from one address, per
         * address over all accounts, and per account from everywhere. The last two do not apply from an
         * address where the account logged in within `knownAddressDays` (its owner is not locked out).
         */
        maxFailuresPerAccountAddress: z.number().int().min(1).default(5),
        maxFailuresPerAddress: z.number().int().min(1).default(20),
        maxFailuresPerAccount: z.number().int().min(1).default(100),
        loginWindowSeconds: z.number().int().min(1).default(900),
        knownAddressDays: z.number().int().min(0).max(365).default(30),
        /** bcrypt checks run at once (each holds a libuv pool thread, which file I/O shares). */
        hashConcurrency: z.number().int().min(1).max(64).default(2),
        /** Checks that may wait per lane (known addresses / others); beyond it they get 429 + Retry-After. */
        hashQueueLength: z.number().int().min(0).max(10_000).default(64),
        /** How long a verified Basic-auth credential is remembered (keyed hash), seconds. */
        basicCacheSeconds: z.number().int().min(0).max(3600).default(60),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({ retentionDays: z.number().int().min(1).default(365) })
      .strict()
      .prefault({}),
    http: z
      .object({
        /** Largest JSON body the admin API accepts. */
        maxJsonBytes: z.number().int().min(1024).default(1024 * 1024),
        /** Origins allowed to call the API cross-site; empty = CORS closed. */
        corsOrigins: z.array(z.string()).default([]),
        /** Open connections in all; lowered at start to fit the process's file-descriptor limit (0 = only that bound). */
        maxConnections: z.number().int().min(0).max(1_000_000).default(4096),
        /** Open connections from one client address (0 = no cap); not applied with trustProxy, where every connection comes from the proxy. */
        maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(512),
        /** Time a client has to send a request's complete headers, seconds. */
        headersTimeoutSeconds: z.number().min(0.1).max(600).default(20),
        /** A request body that stops arriving for this long closes the connection (0 = never), seconds; uploads that keep sending are never cut. */
        idleTimeoutSeconds: z.number().min(0).max(86_400).default(120),
      })
      .strict()
      .prefault({}),
    hardware: z
      .object({
        mode: hwMode.default('auto'),
        raid: hwMode.optional(),
        smart: hwMode.optional(),
        power: hwMode.optional(),
        fans: hwMode.optional(),
        system: hwMode.optional(),
        procRoot: z.string().default('/proc'),
        sysRoot: z.string().default('/sys'),
        smartctl: z.string().default('smartctl'),
        mdadm: z.string().default('mdadm'),
        /** Simulated backends' time: `realtime` moves by itself, `manual` only through the simulation API (tests). */
        simulatedClock: z.enum(['realtime', 'manual']).default('realtime'),
        /** Fan control loop period; 0 turns the loop off. */
        fanIntervalSeconds: z.number().int().min(0).max(300).default(5),
        /** Telemetry sampling period; 0 turns sampling off. */
        telemetryIntervalSeconds: z.number().int().min(0).max(3600).default(10),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        /** How often conditions (RAID, SMART, fans, quotas, filesystem) are evaluated; 0 = only on request. */
        evaluateIntervalSeconds: z.number().int().min(0).max(86_400).default(60),
        /** A condition must stay gone this long before its alert closes (damps flapping). */
        clearAfterSeconds: z.number().int().min(0).max(86_400).default(300),
        /** SMART readings are reused for this long between evaluations. */
        smartMaxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
        /** Open, unacknowledged criticals are repeated in a digest at most this often. */
        reminderHours: z.number().int().min(1).max(24 * 30).default(24),
        /** Delivery attempts per notification, and the wait before the second (doubled after each). */
        deliveryAttempts: z.number().int().min(1).max(10).default(4),
        retryBackoffMs: z.number().int().min(0).max(600_000).default(2000),
        deliveryTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        /** Failures in a row before a scheduler job alerts. */
        jobFailuresInARow: z.number().int().min(1).max(100).default(3),
        /** Usage drift (bytes, summed over users and shares) a reconcile run must find to alert. */
        reconcileDriftBytes: z.number().int().min(0).default(100 * 1024 * 1024),
        /** Days without a successful scrub start before an array alerts (the raid.scrub job runs every 30 days). */
        scrubOverdueDays: z.number().int().min(1).max(3650).default(35),
        /** The admin UI's alerts page, linked from notifications (e.g. `https://nas.example/#/alerts`). */
        pageUrl: z.url({ protocol: /^https?$/ }).optional(),
        /** SMTP server for the environment's e-mail channel: `smtp://user:password@host:587` or `smtps://…:465`. */
        smtpUrl: z.string().regex(/^smtps?:\/\/[^/?#]+\/?$/, 'must be smtp://[user:password@]host[:port] or smtps://…').optional(),
        smtpFrom: z.string().min(3).max(320).optional(),
        /** Recipients of admin alerts by e-mail; with smtpUrl and smtpFrom they make the environment's channel. */
        email: z.array(z.email()).default([]),
      })
      .strict()
      .prefault({}),
    /** Bearer token a Prometheus scraper may use for /metrics (besides admin access tokens). */
    metricsToken: z.string().min(16).optional(),
    scheduler: z
      .object({
        /** Whether this process runs scheduled jobs (with several processes on PostgreSQL, agenda's locks share them out). */
        enabled: z.boolean().default(true),
        /** How often agenda looks for due jobs. */
        processEveryMs: z.number().int().min(100).max(300_000).default(5000),
        /** agenda's job lock lifetime; running jobs renew it. Short, so a stopped process exits soon after close. */
        lockLifetimeMs: z.number().int().min(1000).max(3_600_000).default(20_000),
        /** Executions history retention. */
        historyDays: z.number().int().min(1).max(3650).default(90),
      })
      .strict()
      .prefault({}),
    backup: z
      .object({
        /** Directory the `backup.user-data` job writes dated versions into; the job exists only when set. Never created by nasd. */
        target: z.string().min(1).optional(),
        /** Complete versions kept; older ones are deleted after each successful run. */
        keep: z.number().int().min(1).max(1000).default(7),
        /** What to copy, relative to the storage root: `homes`, `shares`, `homes/<user>`, `shares/<share>`; empty = the whole storage root. */
        sources: z
          .array(z.string().regex(/^(homes|shares)(\/(?!\.\.?$)[^/\0]+)?$/, 'each entry must be homes, shares, homes/<user> or shares/<share>'))
          .default([]),
      })
      .strict()
      .prefault({}),
    smb: z
      .object({
        /** `auto`: on when `smbd` is installed; `on` reports a missing Samba as an error state; `off`. */
        mode: z.enum(['auto', 'on', 'off']).default('auto'),
        /** The smb.conf Samba runs with, passed to every Samba tool nasd runs. */
        conf: z.string().min(1).default('/etc/samba/smb.conf'),
        /** The generated include file; defaults to `<dataDir>/samba/nasd.conf`. */
        include: z.string().min(1).optional(),
        /** Reload command (split on spaces); defaults to `smbcontrol --configfile=<conf> smbd reload-config`. */
        reload: z.string().min(1).optional(),
        /** The privileged account helper's command (split on spaces); defaults to the helper itself as root, else through `sudo -n`. */
        helper: z.string().min(1).optional(),
        /** Whether nasd's include also sets the server-wide `[global]` options (standalone, SMB2_10+, encryption…). */
        globals: z.boolean().default(false),
        /** SMB3 encryption (with `globals`). */
        encryption: z.enum(['off', 'desired', 'required']).default('desired'),
        /** Turn NetBIOS off (with `globals`). */
        disableNetbios: z.boolean().default(true),
        /** `fruit:time machine max size` of Time Machine shares (`500G`, `2T`); unset = no limit. */
        timeMachineMaxSize: z.string().regex(/^[1-9][0-9]{0,5}[KMGT]$/, 'must be a number and K, M, G or T, e.g. 2T').optional(),
        /** How often the configuration and the usage of SMB-written files are brought up to date, seconds. */
        intervalSeconds: z.number().int().min(1).max(3600).default(5),
        /** Publish an Avahi service file (`_smb._tcp`, `_adisk._tcp`, `_webdav._tcp`): `auto` when `avahiDir` exists, or `off`. */
        avahi: z.enum(['auto', 'off']).default('auto'),
        avahiDir: z.string().min(1).default('/etc/avahi/services'),
        /** Recycle-bin entries older than this are deleted by the `smb.recycle-cleanup` job. */
        recycleDays: z.number().int().min(1).max(3650).default(30),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
/** Resolved configuration: defaults filled in, paths absolute, storageRoot always set. */
export type Config = Omit<z.output<typeof configSchema>, 'storageRoot'> & { storageRoot: string };
export type HardwareMode = z.infer<typeof hwMode>;
