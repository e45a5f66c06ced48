/**
 * agenda leaves lock-check timers behind after stop(); nasd keeps its lock lifetime short so a
 * closed nasd lets its process end on its own. Proven in a child process that runs a job, closes
 * nasd and must then exit without process.exit().
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXIT_WITHIN_MS = 20_000;

/** The child: start nasd with the scheduler on, run a job to the end, close, print, and fall off the end. */
function childProgram(dataDir: string, databaseUrl: string | undefined): string {
  const config = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl,
    logLevel: 'silent',
    adminPassword: ADMIN_PASSWORD,
    auth: { bcryptCost: 4 },
    hardware: { mode: 'simulated', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
    scheduler: { enabled: true, processEveryMs: 100, lockLifetimeMs: 2000 },
    smb: { mode: 'off' },
  };
  const url = (file: string) => JSON.stringify(pathToFileURL(path.join(root, file)).href);
  return `
    const { loadConfig } = await import(${url('src/config/index.ts')});
    const { createNasd } = await import(${url('src/main.ts')});
    const { actingAs, systemActor } = await import(${url('src/lib/request-actor.ts')});
    const nasd = await createNasd(loadConfig({}, ${JSON.stringify(config)}));
    await nasd.listen();
    const { executionId } = await nasd.scheduler.runNow('uploads.cleanup', actingAs(systemActor(), { userId: 1, username: 'admin', isAdmin: true }));
    let execution;
    do {
      await new Promise((r) => setTimeout(r, 50));
      execution = await nasd.scheduler.execution(executionId);
    } while (execution.status === 'queued' || execution.status === 'running');
    console.log('RAN ' + execution.status);
    await nasd.close();
    console.log('CLOSED');
  `;
}

describeEachDb('nasd shutdown with the scheduler running', (kind) => {
  it('lets the process exit by itself after close()', async function () {
    this.timeout(EXIT_WITHIN_MS + 20_000);
    const tmp = makeTmpDir();
    const pgDb = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childProgram(tmp.dir, pgDb?.url)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const outcome = await new Promise<{ code: number | null; killed: boolean }>((resolve) => {
        let killer: NodeJS.Timeout | undefined;
        // The clock starts once nasd is closed: startup time under tsx is not what is measured.
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('CLOSED')) {
            killer ??= setTimeout(() => {
              child.kill('SIGKILL');
              resolve({ code: null, killed: true });
            }, EXIT_WITHIN_MS);
          }
        });
        child.on('exit', (code) => {
          clearTimeout(killer);
          resolve({ code, killed: false });
        });
      });
      expect(out).to.contain('RAN ok');
      expect(out).to.contain('CLOSED');
      expect(outcome.killed, `the process was still alive ${EXIT_WITHIN_MS} ms after close():\n${out}`).to.equal(false);
      expect(outcome.code, out).to.equal(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await pgDb?.drop();
      tmp.remove();
    }
  });
});
