import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { dav } from '../helpers/webdav.js';

/** The suites litmus 0.13+ ships and how many tests each runs against a class 2 server. */
const SUITES: Record<string, number> = { basic: 16, copymove: 13, props: 30, locks: 41, http: 4 };

function litmusAvailable(): boolean {
  return spawnSync('litmus', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** Runs one litmus suite (TESTS=<suite>) and returns its output; bounded by a timeout. */
function runSuite(suite: string, url: string, user: string, pass: string, cwd: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('litmus', [url, user, pass], { cwd, env: { ...process.env, TESTS: suite }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describeEachDb('webdav litmus', (kind) => {
  let srv: TestServer;
  let user: CreatedUser;
  const tmp = makeTmpDir('nasd-litmus-');
  const seen: Record<string, number> = {};

  before(async function () {
    if (!litmusAvailable()) {
      if (process.env.CI) throw new Error('litmus is required under CI (apt-get install litmus)');
      console.log('      (skipped: the litmus program is not installed)');
      this.skip();
    }
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    user = await createUser(srv, admin.accessToken, { username: 'litmus' });
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  for (const [suite, expected] of Object.entries(SUITES)) {
    it(`passes every test of the ${suite} suite and stays up`, async () => {
      const out = await runSuite(suite, `${srv.baseUrl}/dav/home/`, user.username, user.password, tmp.dir);
      const summary = /summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(out);
      const failing = out.split('\n').filter((l) => /FAIL|WARNING/.test(l));
      expect(summary, out.slice(-2000)).to.not.equal(null);
      expect(Number(summary![3]), failing.join('\n')).to.equal(expected);
      expect(Number(summary![4]), failing.join('\n')).to.equal(0);
      seen[suite] = Number(summary![3]);
      expect((await dav(srv.baseUrl, 'OPTIONS', '/dav/')).status, 'server alive').to.equal(200);
    });
  }

  it('passes 104/104 in total', () => {
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).to.equal(104);
  });
});
