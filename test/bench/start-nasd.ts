/**
 * Starts a nasd for the benchmark: fresh data dir (argv[2]), SQLite, loopback, a random port,
 * logging at warn, and a `bench` user created through the admin API. Writes
 * `{url, user, pass, pid}` as JSON to INFO_FILE (argv[3]; stdout carries the logs), then serves
 * until SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { loadConfig } from '../../src/config/index.js';
import { createNasd } from '../../src/main.js';

const [dataDir, infoFile] = process.argv.slice(2);
if (!dataDir || !infoFile) throw new Error('usage: start-nasd.ts DATA_DIR INFO_FILE');
const adminPassword = crypto.randomBytes(18).toString('base64url');
const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, logLevel: 'warn', adminPassword, hardware: { mode: 'simulated' } });
const nasd = await createNasd(config);
const { port } = await nasd.listen();
const base = `http://127.0.0.1:${port}`;

async function call(path: string, body: unknown, token?: string): Promise<{ accessToken?: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken?: string };
}

const pass = crypto.randomBytes(18).toString('base64url');
const { accessToken } = await call('/api/auth/login', { username: 'admin', password: adminPassword });
await call('/api/users', { username: 'bench', password: pass }, accessToken);
fs.writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url: `${base}/dav/home/`, user: 'bench', pass, pid: process.pid }));
fs.renameSync(`${infoFile}.tmp`, infoFile);

const stop = () => void nasd.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
