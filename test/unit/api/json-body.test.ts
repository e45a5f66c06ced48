import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { errorMapper } from '../../../src/api/errors.js';
import { jsonBody } from '../../../src/api/json-body.js';
import type { ApiState } from '../../../src/api/context.js';

describe('API JSON request bodies', () => {
  let server: http.Server;
  let base: string;

  before(async () => {
    const app = new Koa<ApiState>();
    app.use(errorMapper());
    app.use(jsonBody(64));
    app.use((ctx) => {
      ctx.body = { got: (ctx.request as unknown as { body: unknown }).body };
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(body: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: { got?: unknown; error?: { code: string } } }> {
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as { got?: unknown; error?: { code: string } } };
  }

  it('parses objects and arrays, and an empty body as {}', async () => {
    expect(await post('{"a":1,"b":[true,null]}')).to.deep.equal({ status: 200, body: { got: { a: 1, b: [true, null] } } });
    expect((await post(' \n[1,2]')).body.got).to.deep.equal([1, 2]);
    expect((await post(undefined)).body.got).to.deep.equal({});
    expect((await post('{"name":"ünï"}', { 'content-type': 'application/json; charset=UTF-8' })).body.got).to.deep.equal({ name: 'ünï' });
  });

  it('refuses malformed JSON and bare values with 400', async () => {
    for (const bad of ['{"a":', 'nope', '"text"', '42', 'null', '{"a":1}x']) {
      const res = await post(bad);
      expect(res.status, bad).to.equal(400);
      expect(res.body.error?.code, bad).to.equal('VALIDATION');
    }
  });

  it('refuses prototype-poisoning keys with 400', async () => {
    for (const bad of ['{"__proto__":{"isAdmin":true}}', '{"a":{"__proto__":{}}}', '{"constructor":{"prototype":{"x":1}}}']) {
      expect((await post(bad)).status, bad).to.equal(400);
    }
  });

  it('refuses bodies past the limit with 413, announced or streamed', async () => {
    const big = `{"a":"${'x'.repeat(100)}"}`;
    expect((await post(big)).status).to.equal(413);
    const chunked = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"a":"'));
          c.enqueue(new TextEncoder().encode('y'.repeat(100)));
          c.enqueue(new TextEncoder().encode('"}'));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).to.equal(413);
  });

  it('refuses content codings and other charsets with 415', async () => {
    expect((await post('{}', { 'content-encoding': 'gzip' })).status).to.equal(415);
    expect((await post('{}', { 'content-type': 'application/json; charset=latin1' })).status).to.equal(415);
  });
});
