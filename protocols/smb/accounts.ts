import type { CommandRunner } from '../../src/lib/exec.js';
import { AppError } from '../../src/lib/errors.js';
import type { SmbAccountPort } from '../../src/services/smb/index.js';
import { unixAccountOf } from './names.js';

/**
 * Samba accounts through the privileged helper (`deploy/nasd-smb-helper`): `helper` is its argv
 * prefix, e.g. `['sudo', '-n', '/usr/local/lib/nasd/nasd-smb-helper']`, or the script itself when
 * nasd runs as root. Passwords go on stdin only.
 */
export class HelperSmbAccounts implements SmbAccountPort {
  constructor(
    private readonly run: CommandRunner,
    private readonly helper: readonly string[],
    /** NASD_SMB_CONF, handed to the helper (which ignores it under sudo). */
    private readonly smbConf: string,
    /** Avahi's services folder for the helper (ignored under sudo: /etc/avahi/services). */
    private readonly avahiDir?: string,
  ) {}

  private async call(command: string, username: string, input?: string): Promise<void> {
    const account = unixAccountOf(username);
    if (!account) throw new AppError('VALIDATION', `user name ${username} is too long for a Samba account (at most 27 characters)`);
    const [file, ...prefix] = this.helper;
    const result = await this.run(file, [...prefix, command, account], { input, env: this.helperEnv(), timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new AppError('INTERNAL', `Samba account helper (${command} ${account}) failed: ${result.stderr.trim().slice(0, 500)}`);
  }

  setPassword(username: string, password: string): Promise<void> {
    if (/[\r\n\0]/.test(password)) throw new AppError('VALIDATION', 'an SMB password cannot contain line breaks or NUL');
    return this.call('set-password', username, `${password}\n`);
  }

  setEnabled(username: string, enabled: boolean): Promise<void> {
    return this.call(enabled ? 'enable' : 'disable', username);
  }

  remove(username: string): Promise<void> {
    return this.call('delete', username);
  }

  /** Installs the Avahi service file (the helper writes it into Avahi's services folder). */
  async publishAvahi(xml: string): Promise<void> {
    const [file, ...prefix] = this.helper;
    const result = await this.run(file, [...prefix, 'avahi-service'], { input: xml, env: this.helperEnv(), timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new AppError('INTERNAL', `Samba account helper (avahi-service) failed: ${result.stderr.trim().slice(0, 500)}`);
  }

  private helperEnv(): Record<string, string> {
    return { NASD_SMB_CONF: this.smbConf, ...(this.avahiDir ? { NASD_SMB_AVAHI_DIR: this.avahiDir } : {}) };
  }
}
