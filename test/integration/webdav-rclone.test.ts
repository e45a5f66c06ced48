import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dav, encodePath } from '../helpers/webdav.js';
import { makeTmpDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const QUOTA = 100 * 1024 * 1024;
const MTIME = new Date('2021-06-01T12:00:00Z');

function rcloneAvailable(): boolean {
  return spawnSync('rclone', ['version'], { stdio: 'ignore' }).error === undefined;
}

/** A tree with Unicode names, an empty file and a 20 MiB file (`bigBytes`), all with a fixed mtime. */
function makeTree(root: string, bigBytes = 20 * 1024 * 1024): void {
  const files: Record<string, Buffer> = {
    'Grüße 日本.txt': Buffer.from('hallo wêreld\n'),
    'empty.txt': Buffer.alloc(0),
    'sub/big.bin': crypto.randomBytes(bigBytes),
    'sub/ünïcödé/a&b #1 (copy).txt': Buffer.from('x'),
    'sub/emoji 😀/ok.txt': Buffer.from('ok'),
  };
  for (const [rel, data] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
    fs.utimesSync(p, MTIME, MTIME);
  }
}

describeEachDb('webdav with rclone as the client', (kind) => {
  let srv: TestServer;
  let user: CreatedUser;
  const tmp = makeTmpDir('nasd-rclone-');
  let flags: string[];
  const rclone = (...args: string[]) => run('rclone', [...args, ...flags], { maxBuffer: 4 * 1024 * 1024, timeout: 120_000 });

  before(async function () {
    if (!rcloneAvailable()) {
      if (process.env.CI) throw new Error('rclone is required under CI (apt-get install rclone)');
      console.log('      (skipped: the rclone program is not installed)');
      this.skip();
    }
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    user = await createUser(srv, admin.accessToken, { username: 'rcl', quotaBytes: QUOTA });
    const obscured = (await run('rclone', ['obscure', user.password])).stdout.trim();
    const config = path.join(tmp.dir, 'rclone.conf');
    fs.writeFileSync(config, '');
    flags = ['--config', config, '--webdav-url', `${srv.baseUrl}/dav/home`, '--webdav-user', user.username, '--webdav-pass', obscured, '--webdav-vendor', 'owncloud', '--retries', '1', '--low-level-retries', '1'];
    makeTree(path.join(tmp.dir, 'up'));
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  it('copies a tree up, down and checks it byte for byte, keeping mtimes', async () => {
    await rclone('copy', path.join(tmp.dir, 'up'), ':webdav:tree');
    await rclone('copy', ':webdav:tree', path.join(tmp.dir, 'down'));
    const check = await rclone('check', '--download', path.join(tmp.dir, 'up'), ':webdav:tree');
    expect(check.stderr).to.contain('0 differences found');
    expect(check.stderr).to.contain('5 matching files');
    for (const rel of ['Grüße 日本.txt', 'empty.txt', 'sub/big.bin', 'sub/ünïcödé/a&b #1 (copy).txt', 'sub/emoji 😀/ok.txt']) {
      const a = fs.readFileSync(path.join(tmp.dir, 'up', rel));
      const b = fs.readFileSync(path.join(tmp.dir, 'down', rel));
      expect(Buffer.compare(a, b), rel).to.equal(0);
      expect(fs.statSync(path.join(tmp.dir, 'down', rel)).mtime.toISOString(), rel).to.equal(MTIME.toISOString());
    }
  });

  it('checks a tree by MD5 without downloading it, and finds a file whose content changed at the same size and mtime', async () => {
    const local = path.join(tmp.dir, 'by-hash');
    makeTree(local, 3 * 1024 * 1024);
    await rclone('copy', local, ':webdav:by-hash');
    const same = await rclone('check', '--combined', '-', local, ':webdav:by-hash');
    expect(same.stderr).to.contain('0 differences found');
    expect(same.stderr).to.contain('5 matching files');
    // rclone counts files it had no common hash for as "hashes could not be checked", and still matching.
    expect(same.stderr).not.to.match(/could not be checked|no common hash/i);
    expect(same.stdout.split('\n').filter(Boolean).sort()).to.deep.equal(
      ['= Grüße 日本.txt', '= empty.txt', '= sub/big.bin', '= sub/emoji 😀/ok.txt', '= sub/ünïcödé/a&b #1 (copy).txt'].sort(),
    );

    // Same length, same mtime (X-OC-Mtime, whole seconds): only the content can tell them apart.
    const put = await dav(srv.baseUrl, 'PUT', encodePath('/dav/home/by-hash/sub/emoji 😀/ok.txt'), {
      auth: [user.username, user.password],
      headers: { 'X-OC-Mtime': String(MTIME.getTime() / 1000) },
      body: 'KO',
    });
    expect(put.status).to.equal(204);
    let changed: { stdout: string; stderr: string } | undefined;
    try {
      await rclone('check', '--combined', '-', local, ':webdav:by-hash');
    } catch (err) {
      changed = err as { stdout: string; stderr: string };
    }
    expect(changed, 'rclone check must fail').not.to.equal(undefined);
    expect(changed!.stderr).to.contain('1 differences found');
    expect(changed!.stderr).to.contain('4 matching files');
    expect(changed!.stderr).to.match(/sub\/emoji 😀\/ok\.txt: md5 differ/);
    expect(changed!.stdout.split('\n').filter((l) => !l.startsWith('= ') && l)).to.deep.equal(['* sub/emoji 😀/ok.txt']);
  });

  it('shows the quota with rclone about', async () => {
    const about = JSON.parse((await rclone('about', '--json', ':webdav:')).stdout) as { total: number; used: number; free: number };
    expect(about.used).to.be.at.least(20 * 1024 * 1024);
    expect(about.used + about.free).to.equal(QUOTA);
    expect(about.total).to.equal(QUOTA);
  });
});
