import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const QUOTA = 100 * 1024 * 1024;
const MTIME = new Date('2021-06-01T12:00:00Z');

function rcloneAvailable(): boolean {
  return spawnSync('rclone', ['version'], { stdio: 'ignore' }).error === undefined;
}

/** A tree with Unicode names, an empty file and a 20 MiB file, all with a fixed mtime. */
function makeTree(root: string): void {
  const files: Record<string, Buffer> = {
    'Grüße 日本.txt': Buffer.from('hallo wêreld\n'),
    'empty.txt': Buffer.alloc(0),
    'sub/big.bin': crypto.randomBytes(20 * 1024 * 1024),
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

  it('shows the quota with rclone about', async () => {
    const about = JSON.parse((await rclone('about', '--json', ':webdav:')).stdout) as { total: number; used: number; free: number };
    expect(about.used).to.be.at.least(20 * 1024 * 1024);
    expect(about.used + about.free).to.equal(QUOTA);
    expect(about.total).to.equal(QUOTA);
  });
});
