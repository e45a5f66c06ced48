import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addLoggedInUser, type StorageTestUser } from '../helpers/storage.js';
import { basic } from '../helpers/webdav.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket that sent the start of a request and never finishes its headers. */
function halfSentRequest(port: number, localAddress = '127.0.0.1'): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => {
      socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
      resolve({ socket, received: () => data, closed });
    });
    socket.once('error', reject);
  });
}

/** A complete GET on a fresh connection from `localAddress`; resolves with the raw answer. */
function rawGet(port: number, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve(data));
  });
}

/** GETs until the answer is not a 503 (the server notices closed sockets a moment later): a liveness wait. */
async function getOnceAdmitted(port: number, localAddress = '127.0.0.1'): Promise<string> {
  let answer = '';
  for (let i = 0; i < 200; i++) {
    answer = await rawGet(port, localAddress);
    if (!/^HTTP\/1\.1 503 /.test(answer)) return answer;
    await sleep(25);
  }
  return answer;
}

/**
 * Sends `chunks` pieces of `chunk` with `gapMs` between them as a chunked request body and
 * resolves with the status (or the error if the connection was cut).
 */
function slowUpload(url: string, method: string, headers: Record<string, string>, chunk: Buffer, chunks: number, gapMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
    let sent = 0;
    const next = () => {
      if (req.destroyed) return;
      req.write(chunk);
      if (++sent === chunks) req.end();
      else setTimeout(next, gapMs);
    };
    next();
  });
}

describeEachDb('http connection caps and timeouts', (kind) => {
  let srv: TestServer;
  let alice: StorageTestUser;
  let port: number;

  before(async function () {
    srv = await startTestServer(this, kind, {
      http: { maxConnections: 8, maxConnectionsPerAddress: 4, headersTimeoutSeconds: 0.5, idleTimeoutSeconds: 1.5 },
    });
    port = Number(new URL(srv.baseUrl).port);
    alice = await addLoggedInUser(srv.nasd, srv.baseUrl, 'alice');
  });
  after(async () => {
    await srv.close();
  });

  it('answers 503 with Retry-After past the per-address cap and still serves other addresses', async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => halfSentRequest(port)));
    try {
      const refused = await rawGet(port);
      expect(refused).to.match(/^HTTP\/1\.1 503 /);
      expect(refused).to.match(/\r\nRetry-After: \d+\r\n/);
      expect(await rawGet(port, '127.0.0.2')).to.match(/^HTTP\/1\.1 200 /);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await Promise.all(held.map((h) => h.closed));
    expect(await getOnceAdmitted(port)).to.match(/^HTTP\/1\.1 200 /);
  });

  it('answers 503 past the total cap, and admits again once connections close', async () => {
    const held = await Promise.all(['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9', '127.0.0.10'].map((a) => halfSentRequest(port, a)));
    try {
      expect(await rawGet(port, '127.0.0.11')).to.match(/^HTTP\/1\.1 503 /);
    } finally {
      for (const h of held) h.socket.destroy();
    }
    await Promise.all(held.map((h) => h.closed));
    expect(await getOnceAdmitted(port, '127.0.0.11')).to.match(/^HTTP\/1\.1 200 /);
  });

  it('closes a connection whose headers never complete (headers timeout)', async () => {
    const h = await halfSentRequest(port);
    await h.closed;
    expect(h.received()).to.match(/^(HTTP\/1\.1 408 |$)/);
  });

  it('closes a request whose body stops arriving (idle timeout) and keeps no file', async () => {
    const result = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const req = http.request(`${srv.baseUrl}/dav/home/stalled.bin`, { method: 'PUT', headers: { Authorization: basic(alice.username, alice.password), 'Content-Length': '1000' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode }));
      });
      req.on('error', (err) => resolve({ error: err.message }));
      req.write(Buffer.alloc(10));
    });
    expect(result.status ?? 0, 'the stalled PUT must not succeed').to.not.be.within(200, 299);
    expect(fs.existsSync(path.join(srv.nasd.config.storageRoot, 'homes', 'alice', 'stalled.bin'))).to.equal(false);
  });

  it('completes a WebDAV PUT that keeps sending a chunk a second for longer than both timeouts', async function () {
    this.timeout(20_000);
    const chunk = Buffer.alloc(1000, 7);
    const res = await slowUpload(`${srv.baseUrl}/dav/home/slow.bin`, 'PUT', { Authorization: basic(alice.username, alice.password) }, chunk, 5, 1000);
    expect(res).to.deep.equal({ status: 201 });
    expect(fs.statSync(path.join(srv.nasd.config.storageRoot, 'homes', 'alice', 'slow.bin')).size).to.equal(5000);
  });

  it('completes a tus PATCH that keeps sending a chunk a second for longer than both timeouts', async function () {
    this.timeout(20_000);
    const tusHeaders = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` };
    const created = await fetch(`${srv.baseUrl}/api/uploads/`, {
      method: 'POST',
      headers: { ...tusHeaders, 'Upload-Length': '5000', 'Upload-Metadata': `filename ${Buffer.from('slow-tus.bin').toString('base64')}` },
    });
    expect(created.status).to.equal(201);
    const url = new URL(created.headers.get('location') as string, srv.baseUrl).toString();
    const chunk = Buffer.alloc(1000, 9);
    const res = await slowUpload(url, 'PATCH', { ...tusHeaders, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' }, chunk, 5, 1000);
    expect(res).to.deep.equal({ status: 204 });
    expect(fs.statSync(path.join(srv.nasd.config.storageRoot, 'homes', 'alice', 'slow-tus.bin')).size).to.equal(5000);
  });
});
