import path from 'node:path';
import type { CommandRunner } from '../../src/lib/exec.js';
import type { SambaProbe, SmbBackend, SmbModel } from '../../src/services/smb/index.js';
import { HelperSmbAccounts } from './accounts.js';
import { auditLogFileOf, SmbConfigApplier, usernameMapFileOf } from './apply.js';
import { dfreeFigures, writeDfree } from './dfree.js';
import { renderAvahiService } from './avahi.js';
import fs from 'node:fs';
import { renderDisabledSmbConfig, renderSmbConfig, type RenderedSmbConfig, type SmbRenderOptions } from './render.js';

export { renderSmbConfig, type RenderedSmbConfig, type SmbRenderOptions } from './render.js';
export { auditLogFileOf, SmbConfigApplier, usernameMapFileOf } from './apply.js';
export { HelperSmbAccounts } from './accounts.js';
export { safeComment, unixAccountOf } from './names.js';
export { readAccountUids } from './unix-accounts.js';
export { renderAvahiService } from './avahi.js';

export interface SmbBackendOptions {
  storageRoot: string;
  /** NASD_SMB_CONF: the smb.conf Samba runs with. */
  smbConf: string;
  /** NASD_SMB_INCLUDE. */
  includeFile: string;
  /** NASD_SMB_RELOAD as argv. */
  reload: readonly string[];
  /** The privileged helper's argv prefix. */
  helper: readonly string[];
  globals?: SmbRenderOptions['globals'];
  timeMachineMaxSize?: string;
  /** Publish an Avahi service file into this folder (through the helper) when it exists. */
  avahi?: { dir: string; webdavPort: number };
  run: CommandRunner;
}

type Rendered = RenderedSmbConfig & { dfree: Map<string, string>; avahi?: string };

/** Samba behind the sync service's port: render + dfree figures, safe apply, accounts through the helper, probe. */
export function createSmbBackend(options: SmbBackendOptions): SmbBackend<Rendered> {
  const dir = path.dirname(options.includeFile);
  const applier = new SmbConfigApplier({ includeFile: options.includeFile, run: options.run, reload: options.reload });
  const accounts = new HelperSmbAccounts(options.run, options.helper, options.smbConf, options.avahi?.dir);
  let publishedAvahi: string | undefined;
  const renderOptions: SmbRenderOptions = {
    storageRoot: options.storageRoot,
    usernameMapFile: usernameMapFileOf(options.includeFile),
    dfreeCommand: path.join(dir, 'nasd-dfree'),
    globals: options.globals,
    timeMachineMaxSize: options.timeMachineMaxSize,
    auditLogFile: auditLogFileOf(options.includeFile),
  };
  return {
    render: (model: SmbModel) => ({
      ...renderSmbConfig(model, renderOptions),
      dfree: dfreeFigures(model),
      avahi: options.avahi && renderAvahiService(model, { webdavPort: options.avahi.webdavPort }),
    }),
    apply: async (rendered) => {
      await writeDfree(dir, rendered.dfree);
      const result = await applier.apply(rendered);
      if (result.installed && options.avahi && rendered.avahi && rendered.avahi !== publishedAvahi && fs.existsSync(options.avahi.dir)) {
        try {
          await accounts.publishAvahi(rendered.avahi);
          publishedAvahi = rendered.avahi;
        } catch (err) {
          return { ...result, error: [result.error, `Avahi service file not published: ${(err as Error).message}`].filter(Boolean).join('; ') };
        }
      }
      return result;
    },
    applyEmpty: () => applier.apply(renderDisabledSmbConfig()),
    accounts,
    probe: async (): Promise<SambaProbe> => {
      try {
        const version = await options.run('smbd', ['-V'], { timeoutMs: 10_000 });
        if (version.exitCode !== 0) return { installed: false, message: `smbd -V exited with ${version.exitCode}` };
        const ping = await options.run('smbcontrol', [`--configfile=${options.smbConf}`, 'smbd', 'ping'], { timeoutMs: 10_000 }).catch(() => undefined);
        return { installed: true, version: version.stdout.trim(), running: ping?.exitCode === 0 };
      } catch (err) {
        return { installed: false, message: (err as Error).message };
      }
    },
  };
}
