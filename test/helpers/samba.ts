import { execFileSync, spawnSync } from 'node:child_process';

/** Whether a Samba program is on PATH; under CI its absence fails the suite instead of skipping it. */
export function requireSambaTool(ctx: Mocha.Context, tool: 'testparm' | 'smbd' | 'smbclient'): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (found) return true;
  if (process.env.CI) throw new Error(`${tool} is required under CI (apt-get install samba smbclient)`);
  console.log(`    skipped: ${tool} is not installed (apt-get install samba smbclient)`);
  ctx.skip();
  return false;
}

/** `testparm -s` of a file: the parsed configuration as Samba sees it (stdout) and its messages. */
export function testparm(file: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('testparm', ['-s', file], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Runs as root? The Samba account tests need to create Unix accounts. */
export function isRoot(): boolean {
  return execFileSync('id', ['-u'], { encoding: 'utf8' }).trim() === '0';
}
