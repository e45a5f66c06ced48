import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';

/** The suites litmus 0.13+ ships and how many tests each runs against a class 2 server (104 in all). */
export const LITMUS_SUITES: Record<string, number> = { basic: 16, copymove: 13, props: 30, locks: 41, http: 4 };

/** Off CI a missing litmus skips the suite with a printed reason; under CI=true it fails. */
export function requireLitmus(ctx: Mocha.Context): void {
  if (spawnSync('litmus', ['--version'], { stdio: 'ignore' }).error === undefined) return;
  if (process.env.CI) throw new Error('litmus is required under CI (apt-get install litmus)');
  console.log('      (skipped: the litmus program is not installed)');
  ctx.skip();
}

/** Runs one litmus suite (TESTS=<suite>) and returns its output; bounded by a timeout. */
function runSuite(suite: string, url: string, user: string, pass: string, cwd: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('litmus', [url, user, pass], { cwd, env: { ...process.env, TESTS: suite }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/**
 * Runs a litmus suite against `url` (http or https; litmus accepts any certificate) and asserts
 * that every one of its tests passed, except those litmus itself skips over TLS (`expect100`:
 * "skipping for SSL server"); returns how many passed and the names of those skipped.
 */
export async function expectLitmusSuitePasses(suite: string, url: string, user: string, pass: string, cwd: string): Promise<{ passed: number; skippedForTls: string[] }> {
  const out = await runSuite(suite, url, user, pass, cwd);
  const summary = /summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(out);
  const failing = out.split('\n').filter((l) => /FAIL|WARNING|SKIPPED/.test(l));
  const skippedForTls = [...out.matchAll(/\d+\. (\w+)\.+ SKIPPED \(skipping for SSL server\)/g)].map((m) => m[1]);
  expect(summary, out.slice(-2000)).to.not.equal(null);
  expect(Number(summary![3]) + skippedForTls.length, failing.join('\n')).to.equal(LITMUS_SUITES[suite]);
  expect(Number(summary![4]), failing.join('\n')).to.equal(0);
  return { passed: Number(summary![3]), skippedForTls };
}

/** Runs every litmus suite in turn (each checked as above) and adds up what passed and what litmus skipped over TLS. */
export async function expectAllLitmusSuitesPass(url: string, user: string, pass: string, cwd: string): Promise<{ passed: number; skippedForTls: string[] }> {
  let passed = 0;
  const skippedForTls: string[] = [];
  for (const suite of Object.keys(LITMUS_SUITES)) {
    const r = await expectLitmusSuitePasses(suite, url, user, pass, cwd);
    passed += r.passed;
    skippedForTls.push(...r.skippedForTls);
  }
  return { passed, skippedForTls };
}
