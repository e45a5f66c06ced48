/**
 * `nasd serve` on SIGTERM/SIGINT: readiness false, no new connections, running uploads get
 * NASD_SHUTDOWN_GRACE seconds, then what still runs is cut and the process exits 0. A cut tus
 * upload resumes after a restart; a cut WebDAV PUT leaves no file, temp file or reservation.
 * Runs the real CLI in a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openDatabase } from '../../src/db/index.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { basic } from '../helpers/webdav.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MiB = 1024 * 1024;
const ADMIN_BASIC = basic('admin', ADMIN_PASSWORD);

interface Served {
  child: ChildProcess;
  port: number;
  /** How the process ended: its exit code, or the signal that killed it. */
  ended: Promise<number | string>;
  stderr(): string;
}

/** Starts `nasd serve` (the CLI, configured through the environment) and resolves once it is ready. */
function serve(dataDir: string, databaseUrl: string | undefined, graceSeconds: number): Promise<Served> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NASD_')));
  Object.assign(env, {
    NASD_HOST: '127.0.0.1',
    NASD_PORT: '0',
    NASD_DATA_DIR: dataDir,
    NASD_LOG_LEVEL: 'silent',
    NASD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    NASD_BCRYPT_COST: '4',
    NASD_HW_MODE: 'simulated',
    NASD_FAN_INTERVAL: '0',
    NASD_TELEMETRY_INTERVAL: '0',
    NASD_SMB: 'off',
    NASD_SHUTDOWN_GRACE: String(graceSeconds),
    ...(databaseUrl ? { NASD_DATABASE_URL: databaseUrl } : {}),
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const ended = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? String(signal))));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve({ child, port: Number(m[1]), ended, stderr: () => err });
    });
    void ended.then((how) => reject(new Error(`nasd serve ended (${how}) before it was ready: ${err}`)));
  });
}

/** A raw connection with everything it received, for requests sent in pieces. */
function connect(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({ socket, received: () => data, closed });
    });
  });
}

async function until(what: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 25));
}

/** Resolves once a new connection to the port is refused. */
async function untilRefused(port: number): Promise<void> {
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
      }),
  );
}

/** Sends a request's headers asking for 100-continue and resolves once nasd is handling it. */
async function startUpload(port: number, head: string): Promise<Awaited<ReturnType<typeof connect>>> {
  const conn = await connect(port);
  conn.socket.write(`${head}Host: x\r\nExpect: 100-continue\r\n\r\n`);
  await until(() => conn.received().startsWith('HTTP/1.1 100 Continue'));
  return conn;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const statusLines = (raw: string) => [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

describeEachDb('graceful shutdown of nasd serve', (kind) => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let databaseUrl: string | undefined;
  let drop: () => Promise<void> = async () => undefined;
  const running: ChildProcess[] = [];
  beforeEach(async function () {
    tmp = makeTmpDir();
    const pgDb = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    databaseUrl = pgDb?.url;
    drop = pgDb?.drop ?? (async () => undefined);
  });
  afterEach(async () => {
    for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await drop();
    tmp.remove();
  });
  const start = async (graceSeconds: number) => {
    const served = await serve(tmp.dir, databaseUrl, graceSeconds);
    running.push(served.child);
    return served;
  };

  it('lets a WebDAV PUT in flight at SIGTERM finish within the grace, refuses new connections, answers "shutting down" on an open one, exits 0', async function () {
    this.timeout(120_000);
    const body = crypto.randomBytes(2 * MiB);
    const nasd = await start(60);
    const put = await startUpload(nasd.port, `PUT /dav/home/slow.bin HTTP/1.1\r\nAuthorization: ${ADMIN_BASIC}\r\nContent-Length: ${body.length}\r\n`);
    put.socket.write(body.subarray(0, MiB));
    // A load balancer's check whose request is still arriving when the signal comes.
    const check = await connect(nasd.port);
    check.socket.write('GET /api/health/ready HTTP/1.1\r\nHost: x\r\n');

    nasd.child.kill('SIGTERM');
    await untilRefused(nasd.port);
    check.socket.write('\r\n');
    await check.closed;
    expect(statusLines(check.received())).to.deep.equal([503]);
    expect(check.received()).to.match(/\r\nconnection: close\r\n/i);
    expect(check.received()).to.contain('{"ready":false,"reason":"shutting down"}');

    put.socket.write(body.subarray(MiB));
    await put.closed;
    expect(statusLines(put.received())).to.deep.equal([100, 201]);
    expect(put.received()).to.match(/\r\nconnection: close\r\n/i);
    expect(await nasd.ended, nasd.stderr()).to.equal(0);

    const again = await start(60);
    const res = await fetch(`http://127.0.0.1:${again.port}/dav/home/slow.bin`, { headers: { Authorization: ADMIN_BASIC } });
    expect([res.status, sha256(Buffer.from(await res.arrayBuffer()))]).to.deep.equal([200, sha256(body)]);
    again.child.kill('SIGINT');
    expect(await again.ended, again.stderr()).to.equal(0);
  });

  it('cuts uploads that outlast a short grace: the tus upload resumes after a restart with the right sha256, the WebDAV PUT leaves nothing behind', async function () {
    this.timeout(120_000);
    const data = crypto.randomBytes(4 * MiB);
    const nasd = await start(1);
    const base = `http://127.0.0.1:${nasd.port}`;
    const login = await api(base, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    const token = login.body.accessToken as string;
    const tusHeaders = { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' };
    const created = await fetch(`${base}/api/uploads`, {
      method: 'POST',
      headers: { ...tusHeaders, 'Upload-Length': String(data.length), 'Upload-Metadata': `filename ${Buffer.from('resumed.bin').toString('base64')}` },
    });
    expect(created.status).to.equal(201);
    const uploadPath = new URL(created.headers.get('location')!, base).pathname;
    const offsetNow = async (port: number) =>
      Number((await fetch(`http://127.0.0.1:${port}${uploadPath}`, { method: 'HEAD', headers: tusHeaders })).headers.get('upload-offset'));

    const patch = await startUpload(
      nasd.port,
      `PATCH ${uploadPath} HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n`,
    );
    patch.socket.write(data.subarray(0, MiB));
    await until(async () => (await offsetNow(nasd.port)) > 0);
    const put = await startUpload(nasd.port, `PUT /dav/home/cut.bin HTTP/1.1\r\nAuthorization: ${ADMIN_BASIC}\r\nContent-Length: ${2 * MiB}\r\n`);
    put.socket.write(crypto.randomBytes(MiB));

    nasd.child.kill('SIGTERM');
    expect(await nasd.ended, nasd.stderr()).to.equal(0);
    await Promise.all([patch.closed, put.closed]);

    const storage = path.join(tmp.dir, 'storage');
    expect(fs.readdirSync(path.join(storage, '.nasd', 'tmp'))).to.deep.equal([]);
    expect(fs.existsSync(path.join(storage, 'homes', 'admin', 'cut.bin'))).to.equal(false);
    const db = await openDatabase(databaseUrl, tmp.dir);
    try {
      const reservations = (await db.knex('quota_reservations').select('id')).map((r) => r.id);
      const ofUploads = (await db.knex('tus_uploads').select('reservation_id')).map((r) => r.reservation_id);
      expect(reservations, 'only the open tus upload keeps a reservation').to.deep.equal(ofUploads);
    } finally {
      await db.close();
    }

    const again = await start(1);
    const offset = await offsetNow(again.port);
    expect(offset).to.be.within(1, MiB);
    const rest = await fetch(`http://127.0.0.1:${again.port}${uploadPath}`, {
      method: 'PATCH',
      headers: { ...tusHeaders, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
      body: data.subarray(offset),
    });
    expect(rest.status).to.equal(204);
    const file = await fetch(`http://127.0.0.1:${again.port}/dav/home/resumed.bin`, { headers: { Authorization: ADMIN_BASIC } });
    expect([file.status, sha256(Buffer.from(await file.arrayBuffer()))]).to.deep.equal([200, sha256(data)]);
    const usage = await api(`http://127.0.0.1:${again.port}`, 'GET', '/api/usage', { token: (await api(`http://127.0.0.1:${again.port}`, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).body.accessToken });
    expect(usage.body.usedBytes).to.equal(data.length);
    again.child.kill('SIGTERM');
    expect(await again.ended, again.stderr()).to.equal(0);
  });
});
