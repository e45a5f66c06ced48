import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { spawnChildNasd, type ChildNasd } from '../helpers/spawn-nasd.js';
import { makeTmpDir } from '../helpers/tmp.js';

// Processes sharing a database must share the keys tokens are signed and secrets encrypted
// with; each generating its own (separate data directories, no NASD_JWT_SECRET/NASD_TOTP_KEY)
// would make every other request behind a load balancer fail.
describeEachDb('scale out: processes on one database agree on their keys', (kind) => {
  const tmp = makeTmpDir('nasd-keys-');
  let dir: string;
  let databaseUrl: string;
  let drop: (() => Promise<void>) | undefined;
  const running: ChildNasd[] = [];
  const start = async (name: string, auth?: { jwtSecret: string; totpKey: string }) => {
    const nasd = await spawnChildNasd(path.join(dir, name), databaseUrl, { config: { storageRoot: path.join(dir, 'storage'), ...(auth ? { auth } : {}) } });
    running.push(nasd);
    return nasd;
  };
  const keysOf = (name: string) => ({
    jwtSecret: fs.readFileSync(path.join(dir, name, 'jwt-secret'), 'utf8').trim(),
    totpKey: fs.readFileSync(path.join(dir, name, 'totp-key'), 'utf8').trim(),
  });

  beforeEach(async function () {
    this.timeout(60_000);
    dir = fs.mkdtempSync(path.join(tmp.dir, 'case-'));
    if (kind === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase(this));
    else databaseUrl = `sqlite://${path.join(dir, 'shared.sqlite')}`;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.kill()));
    await drop?.();
    drop = undefined;
  });
  after(() => tmp.remove());

  it('refuses to start a process whose generated keys differ from a running one\u2019s, naming the fix', async function () {
    this.timeout(60_000);
    const first = await start('data-first');
    let refusal = '';
    await start('data-second').catch((err: Error) => (refusal = err.message));
    expect(refusal).to.match(/signs tokens and encrypts secrets with other keys/);
    expect(refusal).to.contain('NASD_JWT_SECRET and NASD_TOTP_KEY');
    expect(first.exited()).to.equal(null);
    expect((await fetch(`${first.baseUrl}/api/health`)).status).to.equal(200);
  });

  it('starts a process given the running one\u2019s keys, and each accepts the other\u2019s tokens', async function () {
    this.timeout(60_000);
    const first = await start('data-first');
    const second = await start('data-second', keysOf('data-first'));
    for (const [issuer, checker] of [[first, second], [second, first]]) {
      const { accessToken } = await loginAdmin(issuer);
      expect((await fetch(`${checker.baseUrl}/api/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).to.equal(200);
    }
  });

  it('lets a lone process start with new keys (a key rotated while nothing else runs)', async function () {
    this.timeout(60_000);
    await (await start('data-first')).kill();
    const rotated = await start('data-rotated');
    expect((await fetch(`${rotated.baseUrl}/api/health`)).status).to.equal(200);
  });
});
