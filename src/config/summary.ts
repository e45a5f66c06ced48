import { withoutUrlPasswords } from '../lib/url-passwords.js';
import type { Config } from './schema.js';
import { ENV_SETTINGS } from './load.js';

/** One resolved setting as an administrator may see it. */
export interface SettingView {
  /** Dotted path in the config file (`auth.accessTokenTtlSeconds`). */
  setting: string;
  /** The environment variable that sets it, when there is one. */
  env: string | null;
  /** The value in effect; for a secret only whether it is set (`secret: true`). */
  value: string | number | boolean | string[] | null;
  secret: boolean;
}

/** Settings whose value is a credential: the summary says only whether each is set. */
const SECRETS = new Set(['adminPassword', 'auth.jwtSecret', 'auth.totpKey', 'metricsToken', 'alerts.smtpUrl']);

/**
 * The configuration in effect, flattened to one entry per setting, with the environment variable
 * that sets each. Secrets are reduced to set/not set and the database URL loses its password, so
 * the answer can be shown in the admin UI.
 */
export function summarizeConfig(config: Config): SettingView[] {
  const envOf = new Map(ENV_SETTINGS.map(([name, keys]) => [keys.join('.'), name]));
  const out: SettingView[] = [];
  const walk = (node: Record<string, unknown>, prefix: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      const keys = [...prefix, key];
      const setting = keys.join('.');
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, keys);
        continue;
      }
      const secret = SECRETS.has(setting);
      let shown = (value ?? null) as SettingView['value'];
      if (secret) shown = value !== undefined && value !== null && value !== '';
      else if (setting === 'databaseUrl' && typeof value === 'string') shown = withoutUrlPasswords(value);
      out.push({ setting, env: envOf.get(setting) ?? null, value: shown, secret });
    }
  };
  walk(config as unknown as Record<string, unknown>, []);
  // Optional settings left unset are absent from the parsed config; list them as unset too.
  for (const [setting, env] of envOf) {
    if (!out.some((s) => s.setting === setting)) out.push({ setting, env, value: SECRETS.has(setting) ? false : null, secret: SECRETS.has(setting) });
  }
  return out.sort((a, b) => a.setting.localeCompare(b.setting));
}
