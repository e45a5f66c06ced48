import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import type { ApiPrincipal, ApiState } from '../../../src/api/context.js';
import { apiActor, bearerAuth } from '../../../src/api/middleware.js';

const ALICE: ApiPrincipal = { userId: 7, username: 'alice', isAdmin: false, sessionId: 's1' };

/** The API's actor middleware behind bearer auth, answering with the actor it built. */
async function startApp(trustProxy: boolean): Promise<{ server: http.Server; base: string }> {
  const app = new Koa<ApiState>({ proxy: trustProxy });
  app.use(
    bearerAuth(async (token) => {
      if (token !== 'good') throw new Error('bad token');
      return ALICE;
    }),
  );
  app.use(apiActor(trustProxy));
  app.use((ctx) => {
    ctx.body = { actor: ctx.state.actor };
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function actorFor(base: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(base, { headers });
  return ((await res.json()) as { actor: Record<string, unknown> }).actor;
}

describe('API request actor', () => {
  describe('without a trusted proxy', () => {
    let app: { server: http.Server; base: string };
    before(async () => (app = await startApp(false)));
    after(() => new Promise<void>((resolve) => app.server.close(() => resolve())));

    it('takes the address from the socket and ignores X-Forwarded-For', async () => {
      const actor = await actorFor(app.base, { 'X-Forwarded-For': '203.0.113.9', 'User-Agent': 'rclone/1.66' });
      expect(actor).to.deep.equal({ principal: null, protocol: 'api', address: '127.0.0.1', userAgent: 'rclone/1.66' });
    });

    it('carries the principal the bearer token proved', async () => {
      const actor = await actorFor(app.base, { Authorization: 'Bearer good' });
      expect(actor).to.deep.include({ principal: ALICE, protocol: 'api', address: '127.0.0.1' });
    });

    it('has no principal when the bearer token is refused', async () => {
      expect((await actorFor(app.base, { Authorization: 'Bearer forged' })).principal).to.equal(null);
    });
  });

  describe('behind a trusted proxy', () => {
    let app: { server: http.Server; base: string };
    before(async () => (app = await startApp(true)));
    after(() => new Promise<void>((resolve) => app.server.close(() => resolve())));

    it('takes the address from the first X-Forwarded-For entry', async () => {
      expect((await actorFor(app.base, { 'X-Forwarded-For': ' 203.0.113.9 , 10.0.0.1' })).address).to.equal('203.0.113.9');
    });

    it('falls back to the socket when the proxy sent no X-Forwarded-For', async () => {
      expect((await actorFor(app.base, {})).address).to.equal('127.0.0.1');
    });
  });
});
