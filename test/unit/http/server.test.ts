import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
import { createHttpServer, type HttpFront, type RequestHandler } from '../../../src/http/server.js';

const LIMITS = { connections: { total: 0, perAddress: 0 }, headersTimeoutMs: 10_000, idleTimeoutMs: 0 };
const notServing: RequestHandler = (_req, res) => {
  res.statusCode = 503;
  res.end('not serving');
};

async function start(handler: RequestHandler): Promise<{ front: HttpFront; port: number }> {
  const front = createHttpServer(LIMITS, notServing, pino({ level: 'silent' }));
  front.mount([{ prefix: '/work', handler }], (_req, res) => void res.end('fallback'));
  await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
  return { front, port: (front.server.address() as AddressInfo).port };
}

/** A GET's status and body, or the error that ended it (a cut connection). */
function get(port: number, path: string): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', resolve);
      })
      .on('error', resolve);
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const turn = () => new Promise((r) => setTimeout(r, 20));

describe('http server: drain', () => {
  it('waits for a request running within the grace and cuts none', async () => {
    const release = deferred();
    const started = deferred();
    const { front, port } = await start(async (_req, res) => {
      started.resolve();
      await release.promise;
      res.end('done');
    });
    const answer = get(port, '/work');
    await started.promise;
    let drained: { cut: number } | undefined;
    const drain = front.drain(5_000).then((r) => (drained = r));
    await turn();
    expect(drained).to.equal(undefined);
    release.resolve();
    expect(await answer).to.deep.equal({ status: 200, body: 'done' });
    await drain;
    expect(drained).to.deep.equal({ cut: 0 });
  });

  it('cuts a request that outlasts the grace, then waits for its handler to clean up', async () => {
    const started = deferred();
    let cleanedUp = false;
    const { front, port } = await start(async (_req, res) => {
      res.writeHead(200);
      res.write('partial');
      started.resolve();
      await new Promise((r) => res.once('close', r));
      await new Promise((r) => setTimeout(r, 100)); // removing a temp file, releasing a reservation
      cleanedUp = true;
    });
    const answer = get(port, '/work');
    await started.promise;
    expect(await front.drain(50)).to.deep.equal({ cut: 1 });
    expect(cleanedUp).to.equal(true);
    expect(await answer).to.be.instanceOf(Error);
  });

  it('answers 500 for a handler that throws, and counts it as settled', async () => {
    const { front, port } = await start(() => {
      throw new Error('boom');
    });
    expect(await get(port, '/work')).to.deep.include({ status: 500 });
    expect(await get(port, '/other')).to.deep.equal({ status: 200, body: 'fallback' });
    expect(await front.drain(5_000)).to.deep.equal({ cut: 0 });
    expect(front.server.listening).to.equal(false);
  });
});
