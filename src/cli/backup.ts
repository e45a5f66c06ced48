import fs from 'node:fs';
import type { Command } from 'commander';
import { BackupError, createBackup, restoreBackup } from '../backup/index.js';
import { loadConfig } from '../config/index.js';

/** The passphrase from --passphrase-file (its first line) or NASD_BACKUP_PASSPHRASE; undefined for none. */
function readPassphrase(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  let passphrase: string | undefined;
  let source = 'NASD_BACKUP_PASSPHRASE';
  if (file) {
    source = file;
    try {
      passphrase = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (err) {
      throw new BackupError('NOT_FOUND', `cannot read the passphrase file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else {
    passphrase = env.NASD_BACKUP_PASSPHRASE;
  }
  if (passphrase === undefined) return undefined;
  if (passphrase.length < 8) throw new BackupError('VALIDATION', `the passphrase from ${source} is shorter than 8 characters`);
  return passphrase;
}

/** `nasd backup <file>` and `nasd restore <file>`: nasd's own state (database, keys, config), not the storage. */
export function registerBackupCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('backup <file>')
    .description("write nasd's database, generated keys and (with --config) config file into one file, while nasd runs")
    .option('--config <file>', 'include this env or JSON config file (default: the file NASD_CONFIG names)')
    .option('--passphrase-file <file>', 'encrypt with the passphrase on the first line of this file (or set NASD_BACKUP_PASSPHRASE)')
    .action(async (file: string, opts: { config?: string; passphraseFile?: string }) => {
      const passphrase = readPassphrase(opts.passphraseFile, env);
      const notes = await createBackup(loadConfig(env), { file, configFile: opts.config ?? env.NASD_CONFIG, passphrase });
      for (const line of notes) process.stdout.write(`${line}\n`);
    });

  program
    .command('restore <file>')
    .description('restore a backup into an empty data directory (and, for PostgreSQL, an empty database)')
    .option('--passphrase-file <file>', "the encrypted backup's passphrase, first line of this file (or set NASD_BACKUP_PASSPHRASE)")
    .option('--config-out <file>', 'write the backed-up config file here (default: <data dir>/<name>.restored)')
    .action(async (file: string, opts: { passphraseFile?: string; configOut?: string }) => {
      const passphrase = readPassphrase(opts.passphraseFile, env);
      const notes = await restoreBackup(loadConfig(env), { file, passphrase, configOut: opts.configOut });
      for (const line of notes) process.stdout.write(`${line}\n`);
    });
}
