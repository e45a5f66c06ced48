import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ConfigInput } from '../../src/config/index.js';

const CHILD = path.resolve('test/helpers/nasd-child.ts');

/** A nasd running in a child process (see nasd-child.ts). */
export interface ChildNasd {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Null while it runs; how it ended (with the tail of its stderr) once it exited. */
  exited(): string | null;
  /** Kills it (SIGKILL) and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns nasd-child.ts with `config` merged over the test defaults, optionally under
 * `prlimit --nofile=N:N`; resolves once it listens, rejects with its stderr if it dies first.
 */
export function spawnChildNasd(dataDir: string, databaseUrl: string | undefined, options: { config?: ConfigInput; openFilesLimit?: number } = {}): Promise<ChildNasd> {
  const node = [process.execPath, '--import', 'tsx', CHILD, dataDir, databaseUrl ?? ''];
  const [command, ...args] = options.openFilesLimit ? ['prlimit', `--nofile=${options.openFilesLimit}:${options.openFilesLimit}`, ...node] : node;
  const child = spawn(command, args, {
    env: { ...process.env, NASD_CHILD_CONFIG: JSON.stringify(options.config ?? {}) },
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
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /NASD_PORT (\d+)/.exec(out);
      if (m) {
        const port = Number(m[1]);
        resolve({
          child,
          port,
          baseUrl: `http://127.0.0.1:${port}`,
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
