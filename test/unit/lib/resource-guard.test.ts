import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { isFdExhaustion } from '../../../src/lib/resource-guard.js';

/** Runs a script in a child node with the guard installed; returns its exit status and output. */
function runGuarded(body: string): { status: number | null; stdout: string } {
  const script = `
    import { pino } from 'pino';
    import { installFdExhaustionGuard } from './src/lib/resource-guard.ts';
    installFdExhaustionGuard(pino({ level: 'silent' }));
    ${body}
    setTimeout(() => { process.stdout.write('ALIVE'); }, 200);
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout };
}

describe('file-descriptor exhaustion guard', () => {
  it('recognises EMFILE/ENFILE in their several shapes, and nothing else', () => {
    expect(isFdExhaustion(Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24 }))).to.equal(true);
    expect(isFdExhaustion(Object.assign(new Error('open ENFILE'), { code: 'ENFILE' }))).to.equal(true);
    const systemError = Object.assign(new Error('A system error occurred: uv_interface_addresses returned Unknown system error 24 (Unknown system error 24)'), {
      code: 'ERR_SYSTEM_ERROR',
      info: { errno: 24, syscall: 'uv_interface_addresses' },
    });
    expect(isFdExhaustion(systemError)).to.equal(true);
    expect(isFdExhaustion(Object.assign(new Error('no such file'), { code: 'ENOENT', errno: -2 }))).to.equal(false);
    expect(isFdExhaustion(new Error('boom'))).to.equal(false);
    expect(isFdExhaustion(undefined)).to.equal(false);
  });

  it('keeps the process alive when a library throws EMFILE from a nextTick (as systeminformation does)', () => {
    const run = runGuarded(`process.nextTick(() => { throw Object.assign(new Error('A system error occurred: uv_interface_addresses returned Unknown system error 24'), { code: 'ERR_SYSTEM_ERROR', info: { errno: 24 } }); });
      Promise.reject(Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' }));`);
    expect(run).to.deep.equal({ status: 0, stdout: 'ALIVE' });
  });

  it('still ends the process on any other uncaught error', () => {
    const run = runGuarded(`process.nextTick(() => { throw new Error('a real bug'); });`);
    expect(run.status).to.equal(1);
    expect(run.stdout).to.equal('');
  });
});
