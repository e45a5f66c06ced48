/**
 * GET /api/health/ready: 200 {ready:true} while serving; 503 {ready:false, reason} while the
 * database is migrated at start and when the database does not answer. /api/health (liveness)
 * stays 200 throughout. (Shutdown is covered in graceful-shutdown.test.ts.)
 */
import { expect } from 'chai';
import { createNasd, startNasd, type Nasd } from '../../src/main.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { api, startTestServer, testConfig, type TestServer } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTmpDir } from '../helpers/tmp.js';

/** Fields of a readiness answer, for one comparison. */
async function readiness(baseUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await api(baseUrl, 'GET', '/api/health/ready');
  return { status: res.status, body: res.body };
}

/** Asks until the answer is ready (the pool may still be giving up on a dead connection). */
async function untilReady(baseUrl: string): Promise<void> {
  while ((await readiness(baseUrl)).status !== 200) await new Promise((r) => setTimeout(r, 200));
}

describeEachDb('readiness', (kind) => {
  describe('while serving', () => {
    let srv: TestServer;
    before(async function () {
      srv = await startTestServer(this, kind);
    });
    after(async () => srv?.close());

    it('answers 200 {ready: true}, uncached, and documents both checks', async () => {
      const res = await api(srv.baseUrl, 'GET', '/api/health/ready');
      expect([res.status, res.body, res.headers.get('cache-control')]).to.deep.equal([200, { ready: true }, 'no-store']);
      const doc = await api(srv.baseUrl, 'GET', '/api/openapi.json');
      expect(doc.body.paths['/api/health'].get.summary).to.match(/^Liveness/);
      expect(doc.body.paths['/api/health/ready'].get.summary).to.match(/^Readiness/);
    });
  });

  describe('while starting', () => {
    let nasd: Nasd | undefined;
    let cleanup: () => Promise<void> = async () => undefined;
    after(async () => {
      await nasd?.close();
      await cleanup();
    });

    it('listens before migrating: readiness 503 "migrating the database", liveness 200, other requests 503 UNAVAILABLE; ready once started', async function () {
      this.timeout(60_000);
      const tmp = makeTmpDir();
      const pgDb = kind === 'postgres' ? await createPgDatabase(this) : undefined;
      cleanup = async () => {
        await pgDb?.drop();
        tmp.remove();
      };
      const seen: Array<[number, unknown]> = [];
      let baseUrl = '';
      nasd = await startNasd(testConfig(tmp.dir, pgDb?.url), {
        onListening: async (address) => {
          baseUrl = `http://127.0.0.1:${address.port}`;
          const ready = await api(baseUrl, 'GET', '/api/health/ready');
          const live = await api(baseUrl, 'GET', '/api/health');
          const other = await api(baseUrl, 'GET', '/api/me');
          seen.push([ready.status, ready.body], [live.status, live.body.status], [other.status, other.body.error.code]);
          expect(other.headers.get('retry-after')).to.equal('5');
        },
      });
      expect(seen).to.deep.equal([
        [503, { ready: false, reason: 'migrating the database' }],
        [200, 'ok'],
        [503, 'UNAVAILABLE'],
      ]);
      expect(await readiness(baseUrl)).to.deep.equal({ status: 200, body: { ready: true } });
    });
  });

  if (kind === 'sqlite') {
    describe('when the database is closed', () => {
      let srv: TestServer;
      before(async function () {
        srv = await startTestServer(this, kind, { scheduler: { enabled: false } });
      });
      after(async () => srv?.close());

      it('answers 503 with the database error as the reason; liveness stays 200', async () => {
        await srv.nasd.db.close();
        const res = await readiness(srv.baseUrl);
        expect(res.status).to.equal(503);
        expect(res.body).to.have.property('ready', false);
        expect((res.body as { reason: string }).reason).to.match(/^database unreachable: .+/);
        expect((await api(srv.baseUrl, 'GET', '/api/health')).status).to.equal(200);
      });
    });
  } else {
    describe('when the database is unreachable (through a TCP proxy the test controls)', () => {
      const PASSWORD = 'not-to-be-shown-3141';
      const tmp = makeTmpDir();
      let nasd: Nasd | undefined;
      let baseUrl = '';
      let proxy: TcpProxy;
      let drop: () => Promise<void> = async () => undefined;
      before(async function () {
        const pgDb = await createPgDatabase(this);
        drop = pgDb.drop;
        const direct = new URL(pgDb.url);
        proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
        const proxied = new URL(pgDb.url);
        proxied.port = String(proxy.port);
        proxied.password = PASSWORD; // trust authentication ignores it; it must never show up in an answer
        nasd = await createNasd(
          testConfig(tmp.dir, proxied.toString(), {
            scheduler: { enabled: false },
            alerts: { evaluateIntervalSeconds: 0 },
            hardware: { fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
          }),
        );
        baseUrl = `http://127.0.0.1:${(await nasd.listen()).port}`;
      });
      after(async () => {
        if (proxy) proxy.mode = 'forward';
        await nasd?.close();
        await proxy?.close();
        await drop();
        tmp.remove();
      });

      it('answers 503 naming the connection error (no password), and 200 again once the database is back', async function () {
        this.timeout(60_000);
        expect(await readiness(baseUrl)).to.deep.equal({ status: 200, body: { ready: true } });
        proxy.mode = 'refuse';
        proxy.cutAll();
        const down = await readiness(baseUrl);
        expect(down.status).to.equal(503);
        const reason = (down.body as { reason: string }).reason;
        expect(reason).to.match(/^database unreachable: .+/);
        expect(reason).not.to.contain(PASSWORD);
        expect((await api(baseUrl, 'GET', '/api/health')).status).to.equal(200);
        proxy.mode = 'forward';
        await untilReady(baseUrl);
      });

      it('answers 503 "did not answer" instead of hanging when the database accepts but never answers', async function () {
        this.timeout(60_000);
        proxy.mode = 'stall';
        proxy.cutAll();
        // Each pooled connection that was cut fails one probe before the pool opens a new one (at most 10).
        let stalled = await readiness(baseUrl);
        for (let i = 0; i < 10 && /terminated/.test(JSON.stringify(stalled.body)); i++) stalled = await readiness(baseUrl);
        expect(stalled).to.deep.equal({ status: 503, body: { ready: false, reason: 'the database did not answer within 2 s' } });
        proxy.mode = 'forward';
        proxy.cutAll();
        await untilReady(baseUrl);
      });
    });
  }
});
