import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { expect } from 'chai';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api } from '../helpers/server.js';
import { login } from '../helpers/auth.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { spawnChildNasd, type ChildNasd } from '../helpers/spawn-nasd.js';
import { dav } from '../helpers/webdav.js';

/** The child's open-files limit, and a flood well past it. */
const FD_LIMIT = 256;
const FLOOD = 400;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a connection that sends half a request; resolves once connected (or failed), with what came back. */
function halfOpen(port: number): Promise<{ socket: net.Socket; received: () => string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', () => {});
    const done = () => resolve({ socket, received: () => data });
    socket.once('connect', () => {
      socket.write('PROPFIND /dav/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ');
      done();
    });
    socket.once('close', done);
  });
}

describeEachDb('connection flood past the open-files limit', (kind) => {
  const tmp = makeTmpDir();
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  let nasd: ChildNasd | undefined;

  before(async function () {
    const probe = spawnSync('prlimit', ['--version'], { stdio: 'ignore' });
    if (probe.error) {
      if (process.env.CI) throw new Error('prlimit (util-linux) is required for this test');
      console.log('    skipped: prlimit (util-linux) is not installed');
      this.skip();
    }
    if (kind === 'postgres') pg = await createPgDatabase(this);
    // Real system telemetry sampled every second: the sampler is what crashed in the attack run.
    nasd = await spawnChildNasd(tmp.dir, pg?.url, { openFilesLimit: FD_LIMIT, config: { hardware: { system: 'real', telemetryIntervalSeconds: 1 } } });
  });
  after(async () => {
    await nasd?.kill();
    await pg?.drop();
    tmp.remove();
  });

  it('stays up, refuses the excess with 503, and answers health, WebDAV and live telemetry afterwards', async function () {
    this.timeout(60_000);
    const base = nasd!.baseUrl;
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    // The sampler has loaded systeminformation before the flood (the crash seen in the attack run).
    expect((await api(base, 'GET', '/api/telemetry/live', { token: admin.accessToken })).status).to.equal(200);
    const auth: [string, string] = ['admin', ADMIN_PASSWORD];
    expect((await dav(base, 'PUT', '/dav/home/before-flood.txt', { auth, body: 'still here\n' })).status).to.equal(201);

    const flood = await Promise.all(Array.from({ length: FLOOD }, () => halfOpen(nasd!.port)));
    await sleep(3000); // several telemetry ticks and accept attempts while the flood holds
    expect(nasd!.exited(), 'nasd must survive the flood').to.equal(null);
    const refused = flood.filter((f) => f.received().startsWith('HTTP/1.1 503 ')).length;
    expect(refused, 'connections past the cap are answered 503').to.be.greaterThan(0);
    for (const f of flood) f.socket.destroy();
    await sleep(500);

    expect(nasd!.exited()).to.equal(null);
    const health = await api(base, 'GET', '/api/health');
    expect(health.status).to.equal(200);
    const got = await dav(base, 'GET', '/dav/home/before-flood.txt', { auth });
    expect(got.status).to.equal(200);
    expect(got.text).to.equal('still here\n');
    const live = await api(base, 'GET', '/api/telemetry/live', { token: admin.accessToken });
    expect(live.status).to.equal(200);
    expect(live.body.backend).to.equal('real');
  });
});
