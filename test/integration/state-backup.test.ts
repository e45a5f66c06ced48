import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { generate } from 'otplib';
import { packBackup, unpackBackup } from '../../src/backup/archive.js';
import { loadConfig } from '../../src/config/index.js';
import { createNasd, type Nasd } from '../../src/main.js';
import { createUser, login } from '../helpers/auth.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSPHRASE = 'correct horse battery staple';

/** The TOTP code `offsetSteps` periods from now (the server accepts ±1 step and never a step twice). */
const codeAt = (secret: string, offsetSteps: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describeEachDb('nasd backup / restore CLI', (kind) => {
  let tmp: { dir: string; remove: () => void };
  let sourceDir: string;
  let storageRoot: string;
  let sourceUrl: string | undefined;
  let targetUrl: string | undefined;
  let dropDatabases: () => Promise<void>;
  const outputs: string[] = [];
  let tess: { password: string; totpSecret: string; id: number };
  let shareId: number;
  let auditBefore: Array<{ id: number; action: string; target: string }>;

  const startNasd = async (dataDir: string, databaseUrl: string | undefined): Promise<{ nasd: Nasd; baseUrl: string }> => {
    const config = loadConfig(
      {},
      { host: '127.0.0.1', port: 0, dataDir, storageRoot, databaseUrl, logLevel: 'silent', adminPassword: ADMIN_PASSWORD, auth: { bcryptCost: 4 }, hardware: { mode: 'simulated' }, smb: { mode: 'off' } },
    );
    const nasd = await createNasd(config);
    const address = await nasd.listen();
    return { nasd, baseUrl: `http://127.0.0.1:${address.port}` };
  };

  /** Runs the nasd CLI against a data directory and database; a non-zero exit is returned, not thrown. */
  const nasdCli = async (args: string[], dataDir: string, databaseUrl: string | undefined): Promise<CliResult> => {
    const env = { PATH: process.env.PATH ?? '', NASD_DATA_DIR: dataDir, NASD_STORAGE_ROOT: storageRoot, NASD_LOG_LEVEL: 'silent', ...(databaseUrl ? { NASD_DATABASE_URL: databaseUrl } : {}) };
    const result = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { env, cwd: root }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: unknown; stdout?: string; stderr?: string }) => {
        if (typeof err.code !== 'number') throw err;
        return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
      },
    );
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  const file = (name: string) => path.join(tmp.dir, name);
  const emptyDir = (name: string) => {
    fs.mkdirSync(file(name));
    return file(name);
  };

  before(async function () {
    tmp = makeTmpDir();
    sourceDir = emptyDir('source');
    storageRoot = emptyDir('storage');
    const source = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    const target = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    sourceUrl = source?.url;
    targetUrl = target?.url;
    dropDatabases = async () => {
      await source?.drop();
      await target?.drop();
    };

    const { nasd, baseUrl } = await startNasd(sourceDir, sourceUrl);
    try {
      const adminToken = (await login(baseUrl, 'admin', ADMIN_PASSWORD)).accessToken;
      const srv = { nasd, baseUrl, dataDir: sourceDir, close: async () => undefined };
      const user = await createUser(srv, adminToken, { username: 'tess' });
      const enrol = await api(baseUrl, 'POST', '/api/me/totp', { token: user.token });
      expect(enrol.status).to.equal(201);
      const confirm = await api(baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code: await codeAt(enrol.body.secret, 0), password: user.password } });
      expect(confirm.status).to.equal(200);
      tess = { password: user.password, totpSecret: enrol.body.secret, id: user.id };

      const share = await api(baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'projects', description: 'team work' } });
      expect(share.status).to.equal(201);
      shareId = share.body.id;
      const acl = await api(baseUrl, 'PUT', `/api/shares/${shareId}/acl`, { token: adminToken, body: { entries: [{ userId: tess.id, access: 'write' }] } });
      expect(acl.status).to.equal(200);
      await api(baseUrl, 'POST', '/api/auth/login', { body: { username: 'tess', password: 'not-her-password' } });
      auditBefore = (await api(baseUrl, 'GET', '/api/audit?limit=500', { token: adminToken })).body.items;
      expect(auditBefore.length).to.be.greaterThan(3);
    } finally {
      await nasd.close();
    }

    fs.writeFileSync(file('passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
    fs.writeFileSync(file('wrong-passphrase'), 'not the passphrase\n', { mode: 0o600 });
    for (const [args, name] of [[['--passphrase-file', file('passphrase')], 'state.nasdbak'], [[], 'plain.nasdbak']] as const) {
      const made = await nasdCli(['backup', file(name), ...args], sourceDir, sourceUrl);
      expect(made.code, made.stderr).to.equal(0);
    }
  });
  after(async () => {
    await dropDatabases?.();
    tmp?.remove();
  });

  it('writes an encrypted backup only when given a passphrase, and says clearly when it cannot write', async () => {
    expect(outputs.join('\n')).to.match(/state\.nasdbak \(\d+ bytes, encrypted\)/);
    expect(outputs.join('\n')).to.match(/plain\.nasdbak \(\d+ bytes, NOT encrypted/);
    const encrypted = fs.readFileSync(file('state.nasdbak'));
    await unpackBackup(encrypted).then(
      () => expect.fail('an encrypted backup opened without its passphrase'),
      (err: Error) => expect(err.message).to.contain('this backup is encrypted'),
    );
    expect(encrypted.includes(Buffer.from('tess'))).to.equal(false);

    const nowhere = await nasdCli(['backup', file('no-such-dir/state.nasdbak')], sourceDir, sourceUrl);
    expect(nowhere.code).to.equal(1);
    expect(nowhere.stderr.trim()).to.equal(`nasd: cannot write the backup to ${file('no-such-dir/state.nasdbak')}: ENOENT (does its directory exist and may this user write there?)`);
  });

  it('refuses to back up a data directory and database nasd never used', async function () {
    const unused = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    try {
      const res = await nasdCli(['backup', file('unused.nasdbak')], emptyDir('unused'), unused?.url);
      expect(res.code).to.equal(1);
      expect(res.stderr).to.match(kind === 'postgres' ? /has no nasd tables: nothing to back up/ : /there is no database at .*unused.*nasd\.sqlite to back up/);
      expect(fs.existsSync(file('unused.nasdbak'))).to.equal(false);
    } finally {
      await unused?.drop();
    }
  });

  it('refuses a wrong passphrase with a clear error and writes nothing', async () => {
    const target = emptyDir('wrong-passphrase-target');
    const res = await nasdCli(['restore', file('state.nasdbak'), '--passphrase-file', file('wrong-passphrase')], target, targetUrl);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain('wrong passphrase, or the backup file was changed');
    expect(fs.readdirSync(target)).to.deep.equal([]);
  });

  it('refuses to restore into a data directory (or PostgreSQL database) that already holds nasd state', async () => {
    const res = await nasdCli(['restore', file('plain.nasdbak')], sourceDir, sourceUrl);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/already holds nasd state \(.*jwt-secret.*\): restore only into an empty data directory/);
    if (kind === 'postgres') {
      const emptyDataDir = emptyDir('used-database-target');
      const used = await nasdCli(['restore', file('plain.nasdbak')], emptyDataDir, sourceUrl);
      expect(used.code).to.equal(1);
      expect(used.stderr).to.match(/the PostgreSQL database is not empty \(\d+ tables\): restore only into a new, empty database/);
      expect(fs.readdirSync(emptyDataDir)).to.deep.equal([]);
    }
  });

  it('refuses a backup whose schema is newer than this nasd', async () => {
    const entries = await unpackBackup(fs.readFileSync(file('plain.nasdbak')));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { migrations: string[] };
    expect(manifest.migrations.length).to.be.greaterThan(0);
    manifest.migrations.push('99990101_from_the_future');
    entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    fs.writeFileSync(file('newer.nasdbak'), await packBackup(entries));

    const target = emptyDir('newer-target');
    const res = await nasdCli(['restore', file('newer.nasdbak')], target, targetUrl);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain('comes from a newer nasd');
    expect(res.stderr).to.contain('does not know (99990101_from_the_future)');
    expect(fs.readdirSync(target)).to.deep.equal([]);
  });

  it('restores into an empty data directory and database: 2FA sign-in, share ACL and audit history survive', async () => {
    const target = emptyDir('restored');
    const res = await nasdCli(['restore', file('state.nasdbak'), '--passphrase-file', file('passphrase')], target, targetUrl);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain(`restored the ${kind} database`);
    expect(res.stdout).to.contain('restored keys: jwt-secret, totp-key');

    const { nasd, baseUrl } = await startNasd(target, targetUrl);
    try {
      const half = await api(baseUrl, 'POST', '/api/auth/login', { body: { username: 'tess', password: tess.password } });
      expect(half.status).to.equal(401);
      expect(half.body.error.details).to.deep.equal({ totpRequired: true });
      // A later step than the one used at enrolment, which the server will not take twice.
      const session = await login(baseUrl, 'tess', tess.password, await codeAt(tess.totpSecret, 1));
      expect(session.user).to.include({ username: 'tess', totpEnabled: true });

      const adminToken = (await login(baseUrl, 'admin', ADMIN_PASSWORD)).accessToken;
      const share = await api(baseUrl, 'GET', `/api/shares/${shareId}`, { token: adminToken });
      expect(share.body).to.include({ name: 'projects', description: 'team work' });
      const acl = await api(baseUrl, 'GET', `/api/shares/${shareId}/acl`, { token: adminToken });
      expect(acl.body.items.map((e: { username: string; access: string }) => `${e.username}:${e.access}`)).to.deep.equal(['tess:write']);
      const mine = await api(baseUrl, 'GET', '/api/shares', { token: session.accessToken });
      expect(mine.body.items.map((s: { name: string; access: string }) => `${s.name}:${s.access}`)).to.deep.equal(['projects:write']);

      const audit = (await api(baseUrl, 'GET', '/api/audit?limit=500', { token: adminToken })).body.items as Array<{ id: number; action: string; target: string; outcome: string }>;
      const ids = new Set(audit.map((e) => e.id));
      expect(auditBefore.filter((e) => !ids.has(e.id))).to.deep.equal([]);
      expect(audit.find((e) => e.action === 'auth.totp.enable')).to.include({ target: 'tess', outcome: 'success' });
    } finally {
      await nasd.close();
    }
  });

  it('never prints the jwt-secret or totp-key', () => {
    expect(outputs.length).to.be.greaterThan(0);
    for (const key of ['jwt-secret', 'totp-key']) {
      const secret = fs.readFileSync(path.join(sourceDir, key), 'utf8').trim();
      expect(secret.length).to.be.greaterThan(16);
      for (const out of outputs) expect(out).to.not.contain(secret);
    }
  });
});
