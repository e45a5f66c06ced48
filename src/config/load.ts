import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { isWithin } from '../lib/path-within.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

type Env = Record<string, string | undefined>;

/** Environment variables and the config path they set. The only reader of process.env is `loadConfig`. */
export const ENV_SETTINGS: Array<[string, string[], 'string' | 'int' | 'bool' | 'list']> = [
  ['NASD_HOST', ['host'], 'string'],
  ['NASD_PORT', ['port'], 'int'],
  ['NASD_DATA_DIR', ['dataDir'], 'string'],
  ['NASD_STORAGE_ROOT', ['storageRoot'], 'string'],
  ['NASD_STORAGE_BACKEND', ['storageBackend'], 'string'],
  ['NASD_DATABASE_URL', ['databaseUrl'], 'string'],
  ['NASD_LOG_LEVEL', ['logLevel'], 'string'],
  ['NASD_TRUST_PROXY', ['trustProxy'], 'bool'],
  ['NASD_SHUTDOWN_GRACE', ['shutdownGraceSeconds'], 'int'],
  ['NASD_ADMIN_PASSWORD', ['adminPassword'], 'string'],
  ['NASD_JWT_SECRET', ['auth', 'jwtSecret'], 'string'],
  ['NASD_TOTP_KEY', ['auth', 'totpKey'], 'string'],
  ['NASD_BCRYPT_COST', ['auth', 'bcryptCost'], 'int'],
  ['NASD_ACCESS_TOKEN_TTL', ['auth', 'accessTokenTtlSeconds'], 'int'],
  ['NASD_REFRESH_TOKEN_TTL', ['auth', 'refreshTokenTtlSeconds'], 'int'],
  ['NASD_AUDIT_RETENTION_DAYS', ['audit', 'retentionDays'], 'int'],
  ['NASD_CORS_ORIGINS', ['http', 'corsOrigins'], 'list'],
  ['NASD_MAX_CONNECTIONS', ['http', 'maxConnections'], 'int'],
  ['NASD_MAX_CONNECTIONS_PER_ADDRESS', ['http', 'maxConnectionsPerAddress'], 'int'],
  ['NASD_HEADERS_TIMEOUT', ['http', 'headersTimeoutSeconds'], 'int'],
  ['NASD_IDLE_TIMEOUT', ['http', 'idleTimeoutSeconds'], 'int'],
  ['NASD_HW_MODE', ['hardware', 'mode'], 'string'],
  ['NASD_HW_RAID', ['hardware', 'raid'], 'string'],
  ['NASD_HW_SMART', ['hardware', 'smart'], 'string'],
  ['NASD_HW_POWER', ['hardware', 'power'], 'string'],
  ['NASD_HW_FANS', ['hardware', 'fans'], 'string'],
  ['NASD_HW_SYSTEM', ['hardware', 'system'], 'string'],
  ['NASD_HW_PROC_ROOT', ['hardware', 'procRoot'], 'string'],
  ['NASD_HW_SYS_ROOT', ['hardware', 'sysRoot'], 'string'],
  ['NASD_SMARTCTL', ['hardware', 'smartctl'], 'string'],
  ['NASD_MDADM', ['hardware', 'mdadm'], 'string'],
  ['NASD_HW_SIMULATED_CLOCK', ['hardware', 'simulatedClock'], 'string'],
  ['NASD_FAN_INTERVAL', ['hardware', 'fanIntervalSeconds'], 'int'],
  ['NASD_TELEMETRY_INTERVAL', ['hardware', 'telemetryIntervalSeconds'], 'int'],
  ['NASD_METRICS_TOKEN', ['metricsToken'], 'string'],
  ['NASD_SCHEDULER', ['scheduler', 'enabled'], 'bool'],
  ['NASD_SMTP_URL', ['alerts', 'smtpUrl'], 'string'],
  ['NASD_SMTP_FROM', ['alerts', 'smtpFrom'], 'string'],
  ['NASD_ALERT_EMAIL', ['alerts', 'email'], 'list'],
  ['NASD_ALERT_PAGE_URL', ['alerts', 'pageUrl'], 'string'],
  ['NASD_ALERT_INTERVAL', ['alerts', 'evaluateIntervalSeconds'], 'int'],
  ['NASD_BACKUP_TARGET', ['backup', 'target'], 'string'],
  ['NASD_BACKUP_KEEP', ['backup', 'keep'], 'int'],
  ['NASD_BACKUP_SOURCES', ['backup', 'sources'], 'list'],
  ['NASD_SMB', ['smb', 'mode'], 'string'],
  ['NASD_SMB_CONF', ['smb', 'conf'], 'string'],
  ['NASD_SMB_INCLUDE', ['smb', 'include'], 'string'],
  ['NASD_SMB_RELOAD', ['smb', 'reload'], 'string'],
  ['NASD_SMB_HELPER', ['smb', 'helper'], 'string'],
  ['NASD_SMB_GLOBALS', ['smb', 'globals'], 'bool'],
  ['NASD_SMB_ENCRYPTION', ['smb', 'encryption'], 'string'],
  ['NASD_SMB_DISABLE_NETBIOS', ['smb', 'disableNetbios'], 'bool'],
  ['NASD_SMB_TIME_MACHINE_MAX_SIZE', ['smb', 'timeMachineMaxSize'], 'string'],
  ['NASD_SMB_INTERVAL', ['smb', 'intervalSeconds'], 'int'],
  ['NASD_SMB_RECYCLE_DAYS', ['smb', 'recycleDays'], 'int'],
  ['NASD_SMB_AVAHI', ['smb', 'avahi'], 'string'],
  ['NASD_SMB_AVAHI_DIR', ['smb', 'avahiDir'], 'string'],
];

function parseEnvValue(name: string, raw: string, kind: 'string' | 'int' | 'bool' | 'list'): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
      return Number(raw);
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new ConfigError(name, `expected true or false, got "${raw}"`);
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('NASD_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError('NASD_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Builds the configuration from (lowest to highest precedence) defaults, the JSON file named by
 * NASD_CONFIG, environment variables and `overrides`. Throws ConfigError naming the bad setting.
 */
export function loadConfig(env: Env = process.env, overrides: ConfigInput = {}): Config {
  const raw: Record<string, unknown> = env.NASD_CONFIG ? readConfigFile(env.NASD_CONFIG) : {};
  for (const [name, keys, kind] of ENV_SETTINGS) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, keys, parseEnvValue(name, value, kind));
  }
  mergeInto(raw, overrides as Record<string, unknown>);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = issue.path.join('.') || '(root)';
    const envName = ENV_SETTINGS.find(([, keys]) => setting === keys.join('.') || setting.startsWith(`${keys.join('.')}.`))?.[0];
    throw new ConfigError(envName ? `${setting} (${envName})` : setting, issue.message);
  }
  const cfg = result.data;
  const mail = cfg.alerts;
  const mailSet = [mail.smtpUrl, mail.smtpFrom, mail.email.length ? 'x' : undefined].filter(Boolean).length;
  if (mailSet > 0 && mailSet < 3) {
    throw new ConfigError('alerts (NASD_SMTP_URL, NASD_SMTP_FROM, NASD_ALERT_EMAIL)', 'the e-mail channel needs all three: the SMTP URL, the from-address and at least one recipient');
  }
  const dataDir = path.resolve(cfg.dataDir);
  const storageRoot = path.resolve(cfg.storageRoot ?? path.join(dataDir, 'storage'));
  return {
    ...cfg,
    dataDir,
    storageRoot,
    backup: { ...cfg.backup, target: backupTargetOutside(cfg.backup.target, storageRoot) },
  };
}

/**
 * The backup target made absolute. A target in the storage root (or the root itself) is refused:
 * every run would copy the earlier versions into the next. Symlinks are checked again at each run.
 */
function backupTargetOutside(target: string | undefined, storageRoot: string): string | undefined {
  if (target === undefined) return undefined;
  const resolved = path.resolve(target);
  if (isWithin(storageRoot, resolved)) {
    throw new ConfigError('backup.target (NASD_BACKUP_TARGET)', `${resolved} is inside the storage root ${storageRoot}; use a directory on another disk or mount`);
  }
  return resolved;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const existing = target[key];
      const node = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : {};
      target[key] = node;
      mergeInto(node, value as Record<string, unknown>);
    } else if (value !== undefined) {
      target[key] = value;
    }
  }
}
