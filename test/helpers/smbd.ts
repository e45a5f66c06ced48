import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A private smbd on a loopback high port, its state in `dir`, including `includeFile`. */
export interface PrivateSmbd {
  conf: string;
  port: number;
  /** Runs smbclient against it; returns exit status and combined output. */
  client(args: string[], auth?: { user: string; password: string }): { status: number | null; out: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Writes the smb.conf a private smbd runs with (nasd's include at the end of [global]). */
export async function writePrivateSmbConf(dir: string, includeFile: string): Promise<{ conf: string; port: number }> {
  const port = await freePort();
  for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'log', 'ncalrpc']) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  const conf = path.join(dir, 'smb.conf');
  fs.writeFileSync(
    conf,
    [
      '[global]',
      `   smb ports = ${port}`,
      '   interfaces = 127.0.0.1',
      '   bind interfaces only = yes',
      '   server role = standalone server',
      '   disable netbios = yes',
      `   private dir = ${dir}/private`,
      `   lock directory = ${dir}/lock`,
      `   state directory = ${dir}/state`,
      `   cache directory = ${dir}/cache`,
      `   pid directory = ${dir}/pid`,
      // Its own RPC sockets: the default (/run/samba/ncalrpc) is shared with every other smbd.
      `   ncalrpc dir = ${dir}/ncalrpc`,
      `   log file = ${dir}/log/smbd.log`,
      `   passdb backend = tdbsam:${dir}/private/passdb.tdb`,
      '   load printers = no',
      '   printing = bsd',
      '   printcap name = /dev/null',
      `   include = ${includeFile}`,
      '',
    ].join('\n'),
  );
  return { conf, port };
}

/** Starts smbd in the foreground on the prepared conf; resolves once it accepts connections. */
export async function startPrivateSmbd(conf: string, port: number): Promise<PrivateSmbd> {
  const pidDir = path.join(path.dirname(conf), 'pid');
  // smbd signals its whole process group when it stops: give it its own (detached), not mocha's.
  const child: ChildProcess = spawn('smbd', ['-F', '--no-process-group', '-s', conf], { stdio: 'ignore', detached: true });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 100 && !exited && !(await accepting(port)); i++) await new Promise((r) => setTimeout(r, 100));
  if (exited || !(await accepting(port))) {
    child.kill('SIGKILL');
    throw new Error(`private smbd did not start on port ${port}`);
  }
  return {
    conf,
    port,
    client: (args, auth) => {
      // The password goes through smbclient's PASSWD variable, not its argv.
      const r = spawnSync('smbclient', ['-s', conf, '-p', String(port), '-m', 'SMB3', ...(auth ? ['-U', auth.user] : ['-N']), ...args], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: 'C', ...(auth ? { PASSWD: auth.password } : {}) },
        timeout: 30_000,
      });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        // The whole group: smbd and the RPC helpers it started.
        const group = (signal: NodeJS.Signals) => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // already gone
          }
        };
        group('SIGTERM');
        setTimeout(() => group('SIGKILL'), 5000).unref();
        // samba-dcerpcd (started on the first listing) runs in a session of its own; its pid file is beside smbd's.
        for (const name of fs.readdirSync(pidDir).filter((n) => n.endsWith('.pid') && n !== 'smbd.pid')) {
          const pid = Number(fs.readFileSync(path.join(pidDir, name), 'utf8').trim());
          if (!Number.isInteger(pid) || pid <= 1) continue;
          try {
            process.kill(-pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
      }),
  };
}
