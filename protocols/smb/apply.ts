import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from '../../src/lib/exec.js';
import type { SmbApplyResult } from '../../src/services/smb/index.js';
import type { RenderedSmbConfig } from './render.js';

export interface SmbApplierOptions {
  /** Where the include file lives (NASD_SMB_INCLUDE); the username map is `<include>.usermap`. */
  includeFile: string;
  run: CommandRunner;
  /** Runs the reload (NASD_SMB_RELOAD, split into argv). */
  reload: readonly string[];
  testparm?: string;
  now?: () => number;
}

/** testparm accepts a file with unknown or mistyped parameters (exit 0); nasd refuses those too. */
const TESTPARM_COMPLAINT = /Unknown parameter encountered|Ignoring unknown parameter|is not boolean|Error loading services|Invalid|Bad /i;

/** `<include>.usermap`: the username map file that belongs to an include file. */
export function usernameMapFileOf(includeFile: string): string {
  return `${includeFile}.usermap`;
}

/** `<include>.audit.log`: where Samba writes the `full_audit` lines nasd turns into audit events. */
export function auditLogFileOf(includeFile: string): string {
  return `${includeFile}.audit.log`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  await fs.writeFile(tmp, text);
  await fs.chmod(tmp, 0o644);
  await fs.rename(tmp, file);
}

/**
 * Installs a rendered configuration safely: write to a temp file beside the include, check it
 * with `testparm -s`, keep the current file as `<include>.previous`, rename the new one into
 * place (atomic), then reload Samba. A file testparm refuses is deleted and never installed;
 * the result carries testparm's message either way.
 */
export class SmbConfigApplier {
  private readonly testparm: string;
  private readonly now: () => number;

  constructor(private readonly options: SmbApplierOptions) {
    this.testparm = options.testparm ?? 'testparm';
    this.now = options.now ?? Date.now;
  }

  get includeFile(): string {
    return this.options.includeFile;
  }

  async apply(rendered: RenderedSmbConfig): Promise<SmbApplyResult> {
    const file = this.options.includeFile;
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    const candidate = `${file}.candidate-${randomBytes(6).toString('hex')}`;
    await fs.writeFile(candidate, rendered.conf);
    await fs.chmod(candidate, 0o644);
    try {
      const check = await this.options.run(this.testparm, ['-s', candidate], { timeoutMs: 20_000 });
      const message = check.stderr.trim();
      if (check.exitCode !== 0 || TESTPARM_COMPLAINT.test(message)) {
        return { at: this.now(), installed: false, reloaded: false, testparm: message, error: 'testparm refused the generated configuration; the previous one stays in place' };
      }
      await writeAtomically(usernameMapFileOf(file), rendered.usernameMap);
      await fs.copyFile(file, `${file}.previous`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await fs.rename(candidate, file);
      const [cmd, ...args] = this.options.reload;
      const reload = await this.options.run(cmd, args, { timeoutMs: 20_000 }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
      const reloaded = reload.exitCode === 0;
      return { at: this.now(), installed: true, reloaded, testparm: message, error: reloaded ? undefined : `installed, but the reload failed: ${(reload.stderr || reload.stdout).trim().slice(0, 2000)}` };
    } finally {
      await fs.rm(candidate, { force: true });
    }
  }
}
