import os from 'node:os';
import type { Command } from 'commander';
import { AuditLog } from '../audit/index.js';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import { ValidationError } from '../lib/errors.js';
import type { RequestActor } from '../lib/request-actor.js';
import { createIdentity, generatePassword, type Identity } from '../services/identity/index.js';

/** Where a command's password comes from: NASD_USER_PASSWORD, a hidden prompt on a terminal, or generated. */
async function obtainPassword(env: NodeJS.ProcessEnv): Promise<{ password: string; generated: boolean }> {
  if (env.NASD_USER_PASSWORD) return { password: env.NASD_USER_PASSWORD, generated: false };
  if (process.stdin.isTTY) {
    const first = await promptHidden('New password (empty = generate one): ');
    if (first === '') return { password: generatePassword(), generated: true };
    const second = await promptHidden('Repeat the password: ');
    if (first !== second) throw new ValidationError('the passwords do not match');
    return { password: first, generated: false };
  }
  return { password: generatePassword(), generated: true };
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The CLI's actor: no signed-in user; the audit log names the operating-system user who ran it. */
function cliActor(): RequestActor<null> {
  return { principal: null, operator: `cli:${os.userInfo().username}`, protocol: 'cli' };
}

/** Opens the configured database, runs `fn` with the identity services and the CLI's actor, closes the database. */
async function withIdentity<T>(fn: (identity: Identity, actor: RequestActor<null>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl, config.dataDir);
  try {
    const identity = createIdentity({ knex: db.knex, audit: new AuditLog(db.knex), config });
    return await fn(identity, cliActor());
  } finally {
    await db.close();
  }
}

function parseQuota(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new ValidationError(`--quota must be a whole number of bytes, got "${value}"`);
  return Number(value);
}

/** `nasd user add|passwd|list`: account administration from the shell (works before the first start too). */
export function registerUserCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  const user = program.command('user').description('manage user accounts');

  user
    .command('add <username>')
    .description('create a user (password from NASD_USER_PASSWORD, a prompt, or generated and printed)')
    .option('--admin', 'make the user an administrator')
    .option('--quota <bytes>', 'storage quota in bytes (default unlimited)', parseQuota)
    .action(async (username: string, opts: { admin?: boolean; quota?: number }) => {
      const { password, generated } = await obtainPassword(env);
      const created = await withIdentity((identity, actor) =>
        identity.users.create({ username, password, role: opts.admin ? 'admin' : 'user', quotaBytes: opts.quota ?? null }, actor),
      );
      process.stdout.write(`created ${created.role} ${created.username} (id ${created.id})\n`);
      if (generated) process.stdout.write(`password: ${password}\n`);
    });

  user
    .command('passwd <username>')
    .description("set a user's password and end their sessions (same password sources as add)")
    .action(async (username: string) => {
      const { password, generated } = await obtainPassword(env);
      await withIdentity(async (identity, actor) => {
        const target = (await identity.users.list()).find((u) => u.username === username);
        if (!target) throw new ValidationError(`no user "${username}"`);
        await identity.users.setPassword(target.id, password, { ...actor, action: 'user.password.reset' });
      });
      process.stdout.write(`password of ${username} changed; their sessions were ended\n`);
      if (generated) process.stdout.write(`password: ${password}\n`);
    });

  user
    .command('list')
    .description('list users')
    .action(async () => {
      const users = await withIdentity((identity) => identity.users.list());
      const rows = users.map((u) => [String(u.id), u.username, u.role, u.quotaBytes === null ? 'unlimited' : String(u.quotaBytes), u.disabled ? 'disabled' : 'active', u.totpEnabled ? '2fa' : '-']);
      const header = ['ID', 'USERNAME', 'ROLE', 'QUOTA', 'STATE', '2FA'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [header, ...rows]) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
    });
}
