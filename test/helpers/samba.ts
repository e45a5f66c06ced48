import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

/**
 * `smb` settings for a test server with SMB on against a private smb.conf (its own passdb under
 * `dir`, so account changes never reach the machine's) and no smbd: reloads are `true`.
 */
export function privateSambaSettings(dir: string): { mode: 'on'; conf: string; include: string; reload: string; avahiDir: string; intervalSeconds: number } {
  const include = path.join(dir, 'samba', 'nasd.conf');
  const conf = path.join(dir, 'smb.conf');
  const avahiDir = path.join(dir, 'avahi-services');
  fs.mkdirSync(path.join(dir, 'private'), { recursive: true });
  fs.mkdirSync(avahiDir, { recursive: true });
  fs.writeFileSync(conf, `[global]\n   private dir = ${dir}/private\n   passdb backend = tdbsam:${dir}/private/passdb.tdb\n   include = ${include}\n`);
  return { mode: 'on', conf, include, reload: 'true', avahiDir, intervalSeconds: 3600 };
}

/** Removes the Unix account nasd-<username> a test with SMB on created, if it exists. */
export function removeSmbAccount(username: string): void {
  if (spawnSync('id', ['-u', `nasd-${username}`]).status === 0) spawnSync('userdel', [`nasd-${username}`]);
}
