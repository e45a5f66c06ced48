import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { createNasd, type Nasd } from '../../src/main.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { addLoggedInUser, type StorageTestUser } from '../helpers/storage.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { dav } from '../helpers/webdav.js';

interface LogLine {
  level: number;
  msg: string;
  status?: number;
  err?: { stack?: string };
  [key: string]: unknown;
}

const ERROR_LEVEL = 50;

describeEachDb('log levels of refused and failed requests', (kind) => {
  const tmp = makeTmpDir();
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  let nasd: Nasd;
  let baseUrl: string;
  let alice: StorageTestUser;
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });

  before(async function () {
    if (kind === 'postgres') pg = await createPgDatabase(this);
    const config = loadConfig(
      {},
      { host: '127.0.0.1', port: 0, dataDir: tmp.dir, databaseUrl: pg?.url, adminPassword: ADMIN_PASSWORD, auth: { bcryptCost: 4 }, hardware: { mode: 'simulated' } },
    );
    nasd = await createNasd(config, { logger: pino({ level: 'debug' }, sink) });
    baseUrl = `http://127.0.0.1:${(await nasd.listen()).port}`;
    alice = await addLoggedInUser(nasd, baseUrl, 'alice', 1024);
  });
  after(async () => {
    await nasd?.close();
    await pg?.drop();
    tmp.remove();
  });

  const as = (method: string, path: string, options: Parameters<typeof dav>[3] = {}) => dav(baseUrl, method, path, { ...options, auth: [alice.username, alice.password] });

  /** Runs `action` and returns the log lines it produced. */
  async function logsOf(action: () => Promise<void>): Promise<LogLine[]> {
    const from = lines.length;
    await action();
    await new Promise((r) => setImmediate(r));
    return lines.slice(from);
  }

  it('logs a WebDAV 507 (quota) at info, without a stack, and nothing at error level', async () => {
    const logged = await logsOf(async () => {
      expect((await as('PUT', '/dav/home/too-big.bin', { body: Buffer.alloc(4096) })).status).to.equal(507);
    });
    expect(logged.filter((l) => l.level >= ERROR_LEVEL), JSON.stringify(logged)).to.deep.equal([]);
    const refusal = logged.find((l) => l.status === 507);
    expect(refusal, JSON.stringify(logged)).to.include({ level: 30, code: 'QUOTA_EXCEEDED' });
    expect(JSON.stringify(logged)).to.not.include('"stack"');
  });

  it('logs 412, 423 and 413 refusals at info without a stack', async () => {
    expect((await as('PUT', '/dav/home/a.txt', { body: 'a' })).status).to.equal(201);
    const logged = await logsOf(async () => {
      expect((await as('PUT', '/dav/home/a.txt', { body: 'b', headers: { 'If-Match': '"stale"' } })).status).to.equal(412);
      const lockBody = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';
      expect((await as('LOCK', '/dav/home/a.txt', { body: lockBody })).status).to.equal(200);
      expect((await as('PUT', '/dav/home/a.txt', { body: 'c' })).status).to.equal(423);
      let props = '';
      for (let i = 0; i < 1001; i++) props += `<p${i}/>`;
      const body = `<D:propfind xmlns:D="DAV:"><D:prop xmlns="urn:x">${props}</D:prop></D:propfind>`;
      expect((await as('PROPFIND', '/dav/home/', { headers: { Depth: '0' }, body })).status).to.equal(413);
    });
    expect(logged.filter((l) => l.level >= ERROR_LEVEL), JSON.stringify(logged)).to.deep.equal([]);
    expect(logged.filter((l) => l.msg === 'webdav request refused').map((l) => [l.status, l.level])).to.deep.equal([
      [412, 30],
      [423, 30],
      [413, 30],
    ]);
    expect(JSON.stringify(logged)).to.not.include('"stack"');
  });

  it('logs a tus upload past the quota at info, not error', async () => {
    const logged = await logsOf(async () => {
      const res = await fetch(`${baseUrl}/api/uploads/`, {
        method: 'POST',
        headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}`, 'Upload-Length': '100000', 'Upload-Metadata': `filename ${Buffer.from('big.bin').toString('base64')}` },
      });
      expect(res.status).to.equal(413);
      await res.text();
    });
    expect(logged.filter((l) => l.level >= ERROR_LEVEL), JSON.stringify(logged)).to.deep.equal([]);
    expect(JSON.stringify(logged)).to.not.include('"stack"');
  });
});
