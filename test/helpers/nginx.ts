import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { makeTmpDir } from './tmp.js';

const NGINX_DIR = path.resolve('deploy/nginx');

/** A Debian nginx running the shipped site in front of nasd on loopback, with a self-signed certificate. */
export interface RunningNginx {
  /** https://127.0.0.1:PORT (no trailing slash). */
  baseUrl: string;
  port: number;
  /** The self-signed certificate (PEM), for clients that verify it. */
  ca: string;
  /** The generated nginx.conf (built from the files in deploy/nginx/). */
  confFile: string;
  /** `nginx -t` on the generated configuration: exit status and output. */
  check(): { status: number | null; output: string };
  /** Stops nginx (SIGQUIT: finishes open requests) and removes its directory. */
  stop(): Promise<void>;
}

function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** A free loopback port (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 15_000;
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`nginx exited (${child.exitCode}): ${log()}`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}: ${log()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * The shipped site and upstream files with the test's ports and certificate substituted: the
 * upstream's 127.0.0.1:808x servers become `backends`, `listen 443`/`listen 80` become loopback
 * ports (the IPv6 listens are dropped), the certificate paths point at `certDir`.
 */
export function renderShippedConfig(options: { backends: number[]; httpsPort: number; httpPort: number; certDir: string; scaleOut: boolean }): string {
  const upstreamFile = options.scaleOut ? 'nasd-upstream-scale-out.conf' : 'nasd-upstream.conf';
  let upstream = fs.readFileSync(path.join(NGINX_DIR, upstreamFile), 'utf8');
  const servers = [...upstream.matchAll(/server 127\.0\.0\.1:(\d+)/g)];
  if (servers.length !== options.backends.length) throw new Error(`${upstreamFile} names ${servers.length} servers, the test started ${options.backends.length}`);
  servers.forEach((m, i) => (upstream = upstream.replace(m[0], `server 127.0.0.1:${options.backends[i]}`)));
  const site = fs
    .readFileSync(path.join(NGINX_DIR, 'nasd-site.conf'), 'utf8')
    .replace(/^\s*listen \[::\]:\d+.*$/gm, '')
    .replace(/listen 443 ssl;/, `listen 127.0.0.1:${options.httpsPort} ssl;`)
    .replace(/listen 80;/, `listen 127.0.0.1:${options.httpPort};`)
    .replace('/etc/ssl/nasd/fullchain.pem', path.join(options.certDir, 'cert.pem'))
    .replace('/etc/ssl/nasd/privkey.pem', path.join(options.certDir, 'key.pem'));
  for (const placeholder of ['/etc/ssl/nasd/', 'listen 443', 'listen 80;']) {
    if (site.includes(placeholder)) throw new Error(`nasd-site.conf: "${placeholder}" was not substituted`);
  }
  return site.replace(/^/, `${upstream}\n`);
}

/**
 * Starts Debian's nginx (not as a service: `-p <tmp> -c <conf>`, `daemon off`, under
 * `setpriv --pdeathsig` so it also stops if the test process dies) with the shipped configuration
 * in front of the given nasd ports. Off CI a missing nginx or openssl skips the suite with a
 * printed reason; under CI=true it fails.
 */
export async function startNginx(ctx: Mocha.Context, backends: number[], options: { scaleOut?: boolean } = {}): Promise<RunningNginx> {
  if (!nginxAvailable()) {
    if (process.env.CI) throw new Error('nginx is required under CI (apt-get install nginx)');
    console.log('      (skipped: nginx is not installed)');
    ctx.skip();
  }
  const tmp = makeTmpDir('nasd-nginx-');
  fs.chmodSync(tmp.dir, 0o755);
  const cert = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'cert.pem'],
    { cwd: tmp.dir, encoding: 'utf8' },
  );
  if (cert.status !== 0) throw new Error(`openssl could not make a certificate: ${cert.stderr}`);
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  const site = renderShippedConfig({ backends, httpsPort, httpPort, certDir: tmp.dir, scaleOut: options.scaleOut ?? false });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(tmp.dir, t)};`).join('\n');
  const confFile = path.join(tmp.dir, 'nginx.conf');
  fs.writeFileSync(
    confFile,
    `worker_processes 1;\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n${temp}\n${site}\n}\n`,
  );
  const globals = `pid ${path.join(tmp.dir, 'nginx.pid')}; error_log ${path.join(tmp.dir, 'error.log')} warn;`;
  const base = ['-p', tmp.dir, '-c', confFile];
  const log = () => {
    try {
      return fs.readFileSync(path.join(tmp.dir, 'error.log'), 'utf8').slice(-2000);
    } catch {
      return '(no error log)';
    }
  };
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', 'nginx', ...base, '-g', `daemon off; ${globals}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(httpsPort, child, log);
  return {
    baseUrl: `https://127.0.0.1:${httpsPort}`,
    port: httpsPort,
    ca: fs.readFileSync(path.join(tmp.dir, 'cert.pem'), 'utf8'),
    confFile,
    check: () => {
      const r = spawnSync('nginx', [...base, '-t', '-g', globals], { encoding: 'utf8' });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      tmp.remove();
    },
  };
}

/** One HTTPS request that trusts `ca`; optionally from a chosen local address (127.0.0.2…). */
export function httpsRequest(
  url: string,
  options: { ca: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, localAddress: options.localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
