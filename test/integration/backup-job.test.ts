import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/index.js';
import { runCommand } from '../../src/lib/exec.js';
import { UserDataBackup } from '../../src/services/user-data-backup/index.js';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { rejection } from '../helpers/rejection.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { basic, dav } from '../helpers/webdav.js';

const JOB = 'backup.user-data';
const FAST = { processEveryMs: 150, lockLifetimeMs: 2000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Execution {
  id: number;
  status: 'ok' | 'failed';
  message: string | null;
  report: { version: string; linkedTo: string | null; files: number; filesTransferred: number; bytesTransferred: number; totalBytes: number; durationMs: number; pruned: string[]; removedPartial: string[] } | null;
}

function rsyncInstalled(): boolean {
  try {
    execFileSync('rsync', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeEachDb('backup.user-data job (rsync --link-dest versions)', (kind) => {
  let srv: TestServer;
  let admin: string;
  let storageRoot: string;
  /** A name rsync must take as one path: spaces, a leading dash, a newline. */
  let target: string;
  const tmp = makeTmpDir('nasd-backup-');
  const call = (method: string, url: string, body?: unknown) => api(srv.baseUrl, method, url, { token: admin, body });
  const put = async (file: string, body: string) => {
    const res = await dav(srv.baseUrl, 'PUT', `/dav/home/${file}`, { body, headers: { Authorization: basic('admin', ADMIN_PASSWORD) } });
    expect(res.status, `PUT ${file}`).to.be.oneOf([201, 204]);
  };
  const inVersion = (version: string, ...parts: string[]) => path.join(target, version, 'homes', 'admin', ...parts);

  /** Runs the job now through the API and waits for its execution to finish. */
  async function runBackup(): Promise<Execution> {
    const queued = await call('POST', `/api/jobs/${JOB}/run`);
    expect(queued.status, JSON.stringify(queued.body)).to.equal(202);
    for (const until = Date.now() + 20_000; ; await sleep(50)) {
      const res = await call('GET', `/api/jobs/executions/${queued.body.executionId}`);
      if (res.body.status === 'ok' || res.body.status === 'failed') return res.body;
      if (Date.now() > until) throw new Error(`backup did not finish: ${JSON.stringify(res.body)}`);
    }
  }
  async function backUp(): Promise<NonNullable<Execution['report']>> {
    const run = await runBackup();
    expect(run.status, run.message ?? '').to.equal('ok');
    return run.report!;
  }
  /** Moves the target away for `body` (the target missing, or replaced by `stand-in`), then puts it back. */
  async function withTargetReplaced(standIn: ((at: string) => void) | null, body: () => Promise<void>): Promise<void> {
    const aside = `${target}.aside`;
    fs.renameSync(target, aside);
    try {
      standIn?.(target);
      await body();
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(aside, target);
    }
  }
  const openBackupAlerts = async () =>
    ((await call('GET', '/api/alerts/?state=open')).body.items as Array<{ ruleId: string; key: string; details: { error: string } }>).filter((a) => a.ruleId === 'backup.failed');

  before(async function () {
    if (!rsyncInstalled()) {
      if (process.env.CI) throw new Error('rsync is required under CI (apt-get install rsync)');
      console.log('      (skipped: rsync is not installed; apt-get install rsync)');
      this.skip();
    }
    storageRoot = path.join(tmp.dir, 'storage');
    target = path.join(tmp.dir, '--backup target\n(usb)');
    fs.mkdirSync(target);
    srv = await startTestServer(this, kind, {
      storageRoot,
      scheduler: FAST,
      backup: { target, keep: 2 },
      alerts: { evaluateIntervalSeconds: 0, clearAfterSeconds: 0 },
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
    });
    admin = (await loginAdmin(srv)).accessToken;
    await put('kept.txt', 'unchanged in both versions');
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  it('is a managed job with a daily default interval', async () => {
    const res = await call('GET', `/api/jobs/${JOB}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ name: JOB, interval: '1 day', enabled: true });
  });

  it('two runs with a file changed and one added: both versions complete, unchanged files hard links, the changed file differs', async () => {
    await put('changing.txt', 'first contents');
    const first = await backUp();
    await put('changing.txt', 'second, longer contents');
    await put('added.txt', 'new after the first run');
    const second = await backUp();

    expect(second.linkedTo).to.equal(first.version);
    expect(second.version > first.version).to.equal(true);
    for (const v of [first.version, second.version]) expect(v).to.match(/^\d{4}-\d{2}-\d{2}T\d{6}Z(-\d+)?$/);
    expect(fs.readdirSync(target)).to.include.members([first.version, second.version]);
    const kept = [fs.statSync(inVersion(first.version, 'kept.txt')), fs.statSync(inVersion(second.version, 'kept.txt'))];
    expect(kept[1].ino).to.equal(kept[0].ino);
    expect(kept[1].nlink).to.be.at.least(2);
    expect(fs.readFileSync(inVersion(second.version, 'kept.txt'), 'utf8')).to.equal('unchanged in both versions');
    expect(fs.readFileSync(inVersion(first.version, 'changing.txt'), 'utf8')).to.equal('first contents');
    expect(fs.readFileSync(inVersion(second.version, 'changing.txt'), 'utf8')).to.equal('second, longer contents');
    expect(fs.statSync(inVersion(second.version, 'changing.txt')).ino).to.not.equal(fs.statSync(inVersion(first.version, 'changing.txt')).ino);
    expect(fs.existsSync(inVersion(first.version, 'added.txt'))).to.equal(false);
    expect(fs.readFileSync(inVersion(second.version, 'added.txt'), 'utf8')).to.equal('new after the first run');
    // Only the changed and the added file were copied; the report says so.
    expect(second).to.include({ filesTransferred: 2, bytesTransferred: 'second, longer contents'.length + 'new after the first run'.length });
    expect(second.files).to.be.greaterThan(second.filesTransferred);
    expect(second.durationMs).to.be.a('number');
  });

  it('keeps the newest `keep` versions, deleting the oldest, and leaves other folders in the target alone', async () => {
    fs.mkdirSync(path.join(target, 'not-a-version'), { recursive: true });
    const made = [await backUp(), await backUp(), await backUp()];
    const versions = fs.readdirSync(target).filter((n) => /^\d{4}-/.test(n)).sort();
    expect(versions).to.have.length(2);
    expect(versions).to.include.members([made[1].version, made[2].version]);
    expect(made[2].pruned).to.deep.equal([made[0].version]);
    expect(fs.existsSync(path.join(target, made[0].version))).to.equal(false);
    expect(fs.existsSync(path.join(target, 'not-a-version'))).to.equal(true);
  });

  it('deletes a .partial folder a cut run left, and never names a version before rsync succeeded', async () => {
    const stale = path.join(target, '2020-01-01T000000Z.partial');
    fs.mkdirSync(path.join(stale, 'homes'), { recursive: true });
    const report = await backUp();
    expect(report.removedPartial).to.deep.equal(['2020-01-01T000000Z.partial']);
    expect(fs.existsSync(stale)).to.equal(false);
    expect(fs.readdirSync(target).filter((n) => n.endsWith('.partial'))).to.deep.equal([]);
  });

  it('leaves nasd\u2019s temp files, upload parts and SMB recycle bins out of the versions', async () => {
    fs.writeFileSync(path.join(storageRoot, '.nasd', 'uploads', 'part-of-an-upload'), 'half');
    const recycle = path.join(storageRoot, 'shares', 'media', '.recycle', 'admin');
    fs.mkdirSync(recycle, { recursive: true });
    fs.writeFileSync(path.join(recycle, 'deleted.txt'), 'gone');
    fs.writeFileSync(path.join(storageRoot, 'shares', 'media', 'song.txt'), 'la');
    const { version } = await backUp();
    expect(fs.existsSync(path.join(target, version, '.nasd', 'uploads'))).to.equal(false);
    expect(fs.existsSync(path.join(target, version, '.nasd', 'tmp'))).to.equal(false);
    expect(fs.existsSync(path.join(target, version, 'shares', 'media', '.recycle'))).to.equal(false);
    expect(fs.readFileSync(path.join(target, version, 'shares', 'media', 'song.txt'), 'utf8')).to.equal('la');
  });

  it('a missing target fails the run with the reason and opens backup.failed; the next good run clears it', async () => {
    await withTargetReplaced(null, async () => {
      const run = await runBackup();
      expect(run.status).to.equal('failed');
      expect(run.message).to.contain('does not exist').and.contain(target);
      await srv.nasd.alerts.idle();
      const open = await openBackupAlerts();
      expect(open.map((a) => a.key)).to.deep.equal([target]);
      expect(open[0].details.error).to.contain('does not exist');
      const history = await call('GET', `/api/jobs/executions?job=${JOB}&status=failed`);
      expect(history.body.items.map((e: Execution) => e.id)).to.include(run.id);
    });
    await backUp();
    expect(await openBackupAlerts()).to.deep.equal([]);
  });

  it('a target that is a file, or a symlink into the storage root, fails the run and writes nothing', async () => {
    await withTargetReplaced((at) => fs.writeFileSync(at, 'not a folder'), async () => {
      const run = await runBackup();
      expect(run.status).to.equal('failed');
      expect(run.message).to.contain('is not a directory');
      expect((await openBackupAlerts()).map((a) => a.key)).to.deep.equal([target]);
    });
    await withTargetReplaced((at) => fs.symlinkSync(path.join(storageRoot, 'shares'), at), async () => {
      const run = await runBackup();
      expect(run.status).to.equal('failed');
      expect(run.message).to.match(/inside the storage root/);
      expect(fs.readdirSync(path.join(storageRoot, 'shares')).filter((n) => /^\d{4}-/.test(n))).to.deep.equal([]);
    });
    await backUp();
  });

  it('rsync failing fails the run with its exit code and the end of its stderr', async () => {
    // The configured job copies the whole storage root; this one names a share that does not exist.
    const backup = new UserDataBackup({
      storageRoot,
      target,
      keep: 2,
      sources: ['shares/no-such-share'],
      run: runCommand,
      alerts: srv.nasd.alerts.reporter,
      logger: srv.nasd.logger,
    });
    const err = await rejection(backup.run(new AbortController().signal));
    expect(err.message).to.match(/^rsync exited with code 23 \(some files or attributes were not transferred\): .*no-such-share.*No such file or directory/);
    expect(fs.readdirSync(target).filter((n) => n.endsWith('.partial'))).to.have.length(1);
    const open = await openBackupAlerts();
    expect(open[0].details.error).to.contain('code 23');
    await backUp();
    expect(fs.readdirSync(target).filter((n) => n.endsWith('.partial'))).to.deep.equal([]);
  });

  it('rsync missing, or stopped by nasd\u2019s shutdown, fails the run and leaves no version', async () => {
    const before = fs.readdirSync(target).filter((n) => !n.endsWith('.partial')).sort();
    const backup = (rsync: string) => new UserDataBackup({ storageRoot, target, keep: 2, sources: [], run: runCommand, alerts: srv.nasd.alerts.reporter, logger: srv.nasd.logger, rsync });
    const missing = await rejection(backup('/nonexistent/rsync').run(new AbortController().signal));
    expect(missing.message).to.equal('cannot run /nonexistent/rsync: not installed (not found)');
    expect((await openBackupAlerts())[0].details.error).to.contain('not installed');
    const stopping = new AbortController();
    stopping.abort('nasd is shutting down');
    expect((await rejection(backup('rsync').run(stopping.signal))).message).to.contain('was stopped: nasd is shutting down');
    expect(fs.readdirSync(target).filter((n) => !n.endsWith('.partial')).sort()).to.deep.equal(before);
    await backUp();
  });

  it('counts rsync\u2019s "source files vanished" (code 24, files deleted while it copied) as a good run', async () => {
    const vanishing: typeof runCommand = async (file, args, options) => ({ ...(await runCommand(file, args, options)), exitCode: 24 });
    const backup = new UserDataBackup({ storageRoot, target, keep: 2, sources: [], run: vanishing, alerts: srv.nasd.alerts.reporter, logger: srv.nasd.logger });
    const report = await backup.run(new AbortController().signal);
    expect(report.filesVanished).to.equal(true);
    expect(fs.existsSync(path.join(target, report.version, 'homes', 'admin', 'kept.txt'))).to.equal(true);
  });

  it('refuses at start a target inside the storage root', () => {
    expect(() => loadConfig({ NASD_STORAGE_ROOT: storageRoot, NASD_BACKUP_TARGET: path.join(storageRoot, 'shares', 'backup') })).to.throw(/NASD_BACKUP_TARGET.*inside the storage root/);
  });
});
