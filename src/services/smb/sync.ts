import { randomBytes } from 'node:crypto';
import type { Logger } from '../../lib/log.js';
import type { CredentialEvents, CredentialSubject } from '../identity/index.js';
import type { SmbModel } from './model.js';
import type { SmbSwitchStore } from './switch-store.js';
import type { SambaProbe, SmbApplyResult, SmbBackend, SmbStatus, SmbUserAccess, SmbUserState } from './types.js';

export interface SmbSyncOptions {
  loadModel(): Promise<SmbModel>;
  logger: Logger;
  /** How often SMB writes are caught up and the model re-read (share, ACL and usage changes); default 2000 ms. */
  intervalMs?: number;
  /** Debounce of explicit change notifications; default 200 ms. */
  debounceMs?: number;
  /** Initially on (NASD_SMB on, or auto with smbd installed). */
  enabled: boolean;
  includeFile: string;
  /** The Unix account of a user, or undefined when there can be none. */
  accountOf(username: string): string | undefined;
  /** Runs before each periodic regeneration (the usage catch-up of SMB writes). */
  beforeTick?: () => Promise<unknown>;
  /** The administrator's on/off choice, read at start and written by `setEnabled`. */
  switchStore?: SmbSwitchStore;
  /** Told every validation/installation outcome (alerts: a refused config, a failed reload). */
  onApplied?: (result: SmbApplyResult) => void;
  /**
   * Creates a user's home folder if missing. Samba cannot create it and refuses the `home` share
   * without it, so a user's first SMB password makes sure it is there before the API answers.
   */
  ensureHome?: (user: { id: number; username: string }) => Promise<unknown>;
}

/**
 * Keeps Samba in step with nasd: regenerates the include file when users, shares, ACLs, flags or
 * quota state change (re-read every `intervalMs`, and soon after any notification, installed
 * only when the text differs), and forwards account events (passwords, disable, delete) to
 * Samba's passdb at the moment identity sees them. Failures are recorded for the API, never thrown
 * into identity's requests.
 */
export class SmbSync<R extends { conf: string } = { conf: string }> implements CredentialEvents {
  private enabled: boolean;
  private probe: SambaProbe = { installed: false, message: 'not probed yet' };
  private lastConf?: string;
  private lastResult?: SmbApplyResult;
  private readonly synced = new Map<string, NonNullable<SmbUserState['lastSync']>>();
  private probed = false;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  /** Why SMB is off (when it is): set at start and by `setEnabled`. */
  private offBy: 'config' | 'admin' = 'config';

  constructor(private readonly backend: SmbBackend<R>, private readonly options: SmbSyncOptions) {
    this.enabled = options.enabled;
  }

  /** Probes Samba, installs the first configuration, then re-reads the model on the interval. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.ensureProbed();
    if ((await this.options.switchStore?.load()) === false) {
      this.options.logger.info('smb: turned off by an administrator (PUT /api/smb)');
      this.enabled = false;
      this.offBy = 'admin';
      if (this.probe.installed) this.lastResult = await this.backend.applyEmpty();
      return;
    }
    if (!this.probe.installed) {
      this.options.logger.info({ reason: this.probe.message }, 'smb: Samba is not installed; SMB is off');
      this.enabled = false;
      return;
    }
    await this.tick();
    this.startTimer();
  }

  private startTimer(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** One periodic round: catch up on SMB writes, then regenerate if anything changed. */
  tick(): Promise<void> {
    this.running = this.running.then(async () => {
      if (!this.enabled || this.closed || !this.options.beforeTick) return;
      try {
        await this.options.beforeTick();
      } catch (err) {
        this.options.logger.error({ err }, 'smb: usage catch-up failed');
      }
    });
    return this.regenerate();
  }

  /** Regenerates soon (debounced). */
  requestRegenerate(): void {
    if (!this.enabled || this.closed || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.regenerate();
    }, this.options.debounceMs ?? 200);
    this.debounce.unref();
  }

  /** Renders and, when the text changed (or `force`), validates, installs and reloads. One at a time. */
  regenerate(force = false): Promise<void> {
    this.running = this.running.then(async () => {
      if (!this.enabled || this.closed) return;
      try {
        const rendered = this.backend.render(await this.options.loadModel());
        if (!force && rendered.conf === this.lastConf) return;
        this.lastResult = await this.backend.apply(rendered);
        this.lastConf = rendered.conf;
        if (this.lastResult.error) this.options.logger.error({ result: this.lastResult }, 'smb: configuration not applied');
      } catch (err) {
        this.lastResult = { at: Date.now(), installed: false, reloaded: false, testparm: '', error: (err as Error).message };
        this.options.logger.error({ err }, 'smb: regenerating the configuration failed');
      }
      this.options.onApplied?.(this.lastResult);
    });
    return this.running;
  }

  private async ensureProbed(): Promise<void> {
    if (this.probed) return;
    this.probe = await this.backend.probe();
    this.probed = true;
  }

  /** Account events reach Samba once started with Samba present (the first admin, created before, gets an account at its first password change). */
  private async account(username: string, action: string, work: () => Promise<void>): Promise<void> {
    if (!this.enabled || !this.probe.installed) return;
    const state: NonNullable<SmbUserState['lastSync']> = { action, at: Date.now() };
    try {
      await work();
    } catch (err) {
      state.error = (err as Error).message;
      this.options.logger.error({ err, username, action }, 'smb: account sync failed');
    }
    this.synced.set(username, state);
    // At once, not debounced: the username map and access lists must match before the API answers.
    await this.regenerate();
  }

  /** The account password opens SMB for users without 2FA. */
  accountPassword(user: CredentialSubject, password: string): Promise<void> {
    if (user.totpEnabled) return Promise.resolve();
    return this.account(user.username, 'password', () => this.setPassword(user, password));
  }

  /** An SMB app password becomes the SMB password (SMB cannot ask for a second factor). */
  smbAppPassword(user: CredentialSubject, password: string): Promise<void> {
    return this.account(user.username, 'app-password', () => this.setPassword(user, password));
  }

  smbAppPasswordRevoked(user: CredentialSubject): Promise<void> {
    return this.account(user.username, 'app-password-revoked', () => this.scramble(user.username));
  }

  /**
   * Disabled or enabled: the same at once in Samba. 2FA turned on: the account password no
   * longer opens SMB, only a new SMB app password will. 2FA turned off: SMB keeps what it had
   * until the next password change.
   */
  statusChanged(user: CredentialSubject, change: 'disabled' | 'enabled' | 'totp-on' | 'totp-off'): Promise<void> {
    if (change === 'totp-off') return Promise.resolve();
    if (change === 'totp-on') return this.account(user.username, 'totp-on', () => this.scramble(user.username));
    return this.account(user.username, change === 'disabled' ? 'disable' : 'enable', () => this.backend.accounts.setEnabled(user.username, change === 'enabled'));
  }

  removed(user: CredentialSubject): Promise<void> {
    return this.account(user.username, 'delete', () => this.backend.accounts.remove(user.username));
  }

  private async setPassword(user: CredentialSubject, password: string): Promise<void> {
    await this.options.ensureHome?.({ id: user.id, username: user.username });
    await this.backend.accounts.setPassword(user.username, password);
    await this.backend.accounts.setEnabled(user.username, !user.disabled);
  }

  private scramble(username: string): Promise<void> {
    return this.backend.accounts.setPassword(username, randomBytes(32).toString('base64url'));
  }

  /** Turns SMB on or off for this process: off installs a configuration without shares. */
  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled && !this.probe.installed) {
      this.probed = false;
      await this.ensureProbed();
    } else await this.ensureProbed();
    await this.running;
    await this.options.switchStore?.save(enabled);
    this.offBy = 'admin';
    if (!enabled) {
      this.enabled = false;
      this.lastConf = undefined;
      if (this.probe.installed) this.lastResult = await this.backend.applyEmpty();
      return;
    }
    if (!this.probe.installed) return;
    this.enabled = true;
    this.lastConf = undefined;
    await this.tick();
    this.startTimer();
  }

  /** The generated configuration last handed to testparm (installed or refused). */
  config(): string | undefined {
    return this.lastConf;
  }

  async status(): Promise<SmbStatus> {
    await this.ensureProbed();
    const model = await this.options.loadModel();
    const active = new Set(model.users.filter((u) => !u.disabled && this.options.accountOf(u.username)).map((u) => u.username));
    const readOnly = new Set(model.users.filter((u) => u.quotaBytes !== null && u.usedBytes >= u.quotaBytes).map((u) => u.username));
    return {
      enabled: this.enabled,
      offReason: this.enabled ? null : !this.probe.installed ? 'not-installed' : this.offBy,
      samba: this.probe,
      includeFile: this.options.includeFile,
      lastResult: this.lastResult,
      shares: model.shares.map((s) => ({
        name: s.name,
        readers: s.readers.filter((u) => active.has(u)),
        writers: s.writers.filter((u) => active.has(u) && !readOnly.has(u)),
        browseable: s.browseable,
        recycleBin: s.recycleBin,
        timeMachine: s.timeMachine,
      })),
      users: model.users.map((u) => ({
        username: u.username,
        account: this.options.accountOf(u.username) ?? null,
        disabled: u.disabled,
        readOnly: readOnly.has(u.username),
        needsAppPassword: u.totpEnabled,
        lastSync: this.synced.get(u.username),
      })),
    };
  }

  /** One user's view of SMB: off (and no probe) when SMB is off, else the shares Samba lets them open. */
  async accessFor(username: string): Promise<SmbUserAccess> {
    if (!this.enabled) return { enabled: false, shares: [], needsAppPassword: false };
    const status = await this.status();
    const user = status.users.find((u) => u.username === username);
    const enabled = status.enabled && user !== undefined && user.account !== null && !user.disabled;
    return {
      enabled,
      shares: enabled ? status.shares.filter((s) => s.readers.includes(username)).map((s) => s.name) : [],
      needsAppPassword: user?.needsAppPassword ?? false,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.running;
  }
}
