import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const RULES_FILE = 'deploy/prometheus-alerts.yml';

/** Runs promtool; null when it is absent off CI (the caller skips with the reason). */
function promtool(args: string[]): { status: number; output: string } | null {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    if (process.env.CI) throw new Error('promtool is required under CI (Debian package prometheus)');
    return null;
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

function runOrSkip(ctx: Mocha.Context, args: string[]): { status: number; output: string } {
  const result = promtool(args);
  if (!result) {
    console.log('      (skipped: promtool is not installed; install the Debian package prometheus)');
    ctx.skip();
  }
  return result!;
}

describe('deploy/prometheus-alerts.yml', () => {
  it('passes promtool check rules', function () {
    const result = runOrSkip(this, ['check', 'rules', RULES_FILE]);
    expect(result.output).to.include('SUCCESS: 6 rules found');
    expect(result.status).to.equal(0);
  });

  it('fires each alert on the series nasd exposes and not on healthy ones (promtool test rules)', function () {
    const result = runOrSkip(this, ['test', 'rules', 'test/fixtures/prometheus/alerts.test.yml']);
    expect(result.output, result.output).to.include('SUCCESS');
    expect(result.status).to.equal(0);
  });
});

describeEachDb('deploy/prometheus-alerts.yml against a live /metrics', (kind) => {
  let srv: TestServer;
  before(async function () {
    srv = await startTestServer(this, kind, { hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
  });
  after(async () => srv?.close());

  it('uses only metric names nasd exports', async () => {
    const token = (await loginAdmin(srv)).accessToken;
    const text = (await api(srv.baseUrl, 'GET', '/metrics', { token })).body as string;
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const used = new Set([...fs.readFileSync(RULES_FILE, 'utf8').matchAll(/\b(nasd_[a-z_]+)\b/g)].map((m) => m[1]));
    expect(used.size).to.be.greaterThan(4);
    for (const name of used) expect(exported, name).to.include(name);
  });
});
