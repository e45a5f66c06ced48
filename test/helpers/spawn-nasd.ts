import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ConfigInput } from '../../src/config/index.js';

const CHILD = path.resolve('test/helpers/nasd-child.ts');

/** A request a child nasd received (recorded with `logRequests`). */
export interface ReceivedRequest {
  method: string;
  url: string;
}

/** A nasd running in a child process (see nasd-child.ts). */
export interface ChildNasd {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Every request it received so far, oldest first (empty unless started with `logRequests`). */
  requests(): ReceivedRequest[];
  /** Null while it runs; how it ended (with the tail of its stderr) once it exited. */
  exited(): string | null;
  /** Kills it (SIGKILL) and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns nasd-child.ts with `config` merged over the test defaults, optionally under
 * `prlimit --nofile=N:N`; resolves once it listens, rejects with its stderr if it dies first.
 */
export function spawnChildNasd(
  dataDir: string,
  databaseUrl: string | undefined,
  options: { config?: ConfigInput; openFilesLimit?: number; logRequests?: boolean } = {},
): Promise<ChildNasd> {
  const node = [process.execPath, '--import', 'tsx', CHILD, dataDir, databaseUrl ?? ''];
  const [command, ...args] = options.openFilesLimit ? ['prlimit', `--nofile=${options.openFilesLimit}:${options.openFilesLimit}`, ...node] : node;
  const child = spawn(command, args, {
    env: { ...process.env, NASD_CHILD_CONFIG: JSON.stringify(options.config ?? {}), NASD_CHILD_LOG_REQUESTS: options.logRequests ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let exit: string | null = null;
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = `exited (${code ?? signal}): ${stderr}`;
      resolve();
    }),
  );
  const received: ReceivedRequest[] = [];
  return new Promise((resolve, reject) => {
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const request = /^NASD_REQUEST (\S+) (\S+)$/.exec(line);
        if (request) received.push({ method: request[1], url: request[2] });
        const listening = /^NASD_PORT (\d+)$/.exec(line);
        if (!listening) continue;
        const port = Number(listening[1]);
        resolve({
          child,
          port,
          baseUrl: `http://127.0.0.1:${port}`,
          requests: () => [...received],
          exited: () => exit,
          kill: async () => {
            if (exit === null) child.kill('SIGKILL');
            await gone;
          },
        });
      }
    });
    void gone.then(() => reject(new Error(`child nasd ${exit}`)));
  });
}
