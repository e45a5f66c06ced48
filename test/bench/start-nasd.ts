/**
 * Starts a nasd for the benchmark: fresh data dir (argv[2]), SQLite, loopback, a random port,
 * logging at warn, and a `bench` user created through the admin API. Writes
 * `{url, user, pass, pid}` as JSON to INFO_FILE (argv[3]; stdout carries the logs), then serves
 * until SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { loadConfig } from '../../src/config/index.js';
import { createNasd } from '../../src/main.js';

const [dataDir, infoFile] = process.argv.slice(2);
if (!dataDir || !infoFile) throw new Error('usage: start-nasd.ts DATA_DIR INFO_FILE');
const adminPassword = crypto.randomBytes(18).toString('base64url');
const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, logLevel: 'warn', adminPassword, hardware: { mode: 'simulated' } });
const nasd = await createNasd(config);
const { port } = await nasd.listen();
const base = `http://127.0.0.1:${port}`;

/**
 * A JSON POST to the admin API with node:http: fetch would load Node's own HTTP client (undici)
 * into the process being measured, about 13 MiB that a deployed nasd never loads.
 */
function call(path: string, body: unknown, token?: string): Promise<{ accessToken?: string }> {
  const payload = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${path}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text) as { accessToken?: string });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const pass = crypto.randomBytes(18).toString('base64url');
const { accessToken } = await call('/api/auth/login', { username: 'admin', password: adminPassword });
await call('/api/users', { username: 'bench', password: pass }, accessToken);
fs.writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url: `${base}/dav/home/`, user: 'bench', pass, pid: process.pid }));
fs.renameSync(`${infoFile}.tmp`, infoFile);

const stop = () => void nasd.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
