import { expect } from 'chai';
import { SysFs } from '../../../hardware/sysfs.js';
import { runCommand } from '../../../src/lib/exec.js';
import { makeTmpDir } from '../../helpers/tmp.js';
import { rejection } from '../../helpers/rejection.js';


describe('src/lib/exec: runCommand', () => {
  it('passes arguments as argv, never through a shell', async () => {
    const r = await runCommand('/bin/echo', ['$(id)', '; rm -rf /', '`x`']);
    expect(r).to.deep.equal({ exitCode: 0, stdout: '$(id) ; rm -rf / `x`\n', stderr: '' });
  });

  it('returns a non-zero exit status as a result', async () => {
    const r = await runCommand('/bin/sh', ['-c', 'echo oops >&2; exit 3']);
    expect(r).to.include({ exitCode: 3, stderr: 'oops\n' });
  });

  it('reports a missing program, a timeout and an oversized output as HW_UNAVAILABLE', async () => {
    const missing = await rejection(runCommand('/nonexistent/smartctl', []));
    expect(missing.code).to.equal('HW_UNAVAILABLE');
    expect(missing.message).to.contain('not installed');
    expect((await rejection(runCommand('/bin/sleep', ['5'], { timeoutMs: 50 }))).message).to.contain('timed out');
    expect((await rejection(runCommand('/bin/sh', ['-c', 'yes | head -c 100000'], { maxStdoutBytes: 1000 }))).message).to.contain('more than 1000 bytes');
  });

  it('stops a command when its signal aborts, and runs without a time limit at timeoutMs 0', async () => {
    const controller = new AbortController();
    const running = runCommand('/bin/sleep', ['30'], { timeoutMs: 0, signal: controller.signal });
    controller.abort('nasd is shutting down');
    const stopped = await rejection(running);
    expect(stopped.code).to.equal('HW_UNAVAILABLE');
    expect(stopped.message).to.contain('was stopped: nasd is shutting down');
    expect(await runCommand('/bin/sh', ['-c', 'exit 0'], { timeoutMs: 0 })).to.include({ exitCode: 0 });
  });

  it('keeps the end of a long stderr with stderrTail, the start without', async () => {
    const script = 'i=0; while [ $i -lt 20000 ]; do echo "line $i" >&2; i=$((i+1)); done; echo "the last line" >&2';
    const tail = await runCommand('/bin/sh', ['-c', script], { stderrTail: true });
    expect(tail.stderr.length).to.be.at.most(64 * 1024);
    expect(tail.stderr.endsWith('the last line\n')).to.equal(true);
    const head = await runCommand('/bin/sh', ['-c', script]);
    expect(head.stderr.startsWith('line 0\n')).to.equal(true);
    expect(head.stderr).to.not.contain('the last line');
  });
});

describe('hardware/sysfs: SysFs', () => {
  it('refuses paths that leave its root and treats absent files as null', async () => {
    const tmp = makeTmpDir();
    try {
      const sys = new SysFs(tmp.dir);
      expect((await rejection(sys.read('../etc/passwd'))).code).to.equal('VALIDATION');
      expect((await rejection(sys.write('a/../../x', '1'))).code).to.equal('VALIDATION');
      expect(await sys.read('nope')).to.equal(null);
      expect(await sys.list('nope')).to.deep.equal([]);
      expect((await rejection(sys.write('nope', '1'))).code).to.equal('DEVICE_NOT_FOUND');
    } finally {
      tmp.remove();
    }
  });
});
