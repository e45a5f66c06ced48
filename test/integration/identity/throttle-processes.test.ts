import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { createPgDatabase } from '../../helpers/db.js';
import { api } from '../../helpers/server.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const CHILD = path.resolve('test/helpers/nasd-child.ts');
/** Processes on one database share their keys (they refuse to start otherwise). */
const SHARED_KEYS = { jwtSecret: crypto.randomBytes(48).toString('base64url'), totpKey: crypto.randomBytes(32).toString('base64') };

/** Spawns a child nasd and resolves once it prints its port (rejects with its stderr if it dies first). */
function spawnNasd(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { env: { ...process.env, NASD_CHILD_CONFIG: JSON.stringify({ auth: SHARED_KEYS }) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /NASD_PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`child nasd exited (${code}) before listening: ${stderr}`)));
  });
}

// Several nasd processes on one database are a PostgreSQL setup; SQLite is one process.
describe('identity: one throttle for two nasd processes on one PostgreSQL database', () => {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  before(async function () {
    this.timeout(120_000);
    const pg = await createPgDatabase(this);
    const dirs = [makeTmpDir(), makeTmpDir()];
    cleanup = async () => {
      await pg.drop();
      for (const d of dirs) d.remove();
    };
    for (const dir of dirs) {
      // one after the other: the first runs the migrations
      const { child, port } = await spawnNasd([dir.dir, pg.url]);
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
  });
  after(async () => {
    await Promise.all(
      children.map((c) => (c.exitCode !== null ? undefined : new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      }))),
    );
    await cleanup?.();
  });

  it('lets exactly 5 of 60 concurrent wrong logins through when they are spread over both processes', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api(urls[i % 2], 'POST', '/api/auth/login', { body: { username: 'admin', password: `wrong-password-${i}` } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).to.have.length(5);
    expect(statuses.filter((s) => s === 429)).to.have.length(55);
  });
});
