import { spawn } from 'node:child_process';
import { HardwareError } from './errors.js';

/** What a finished command produced. A non-zero exit is a result, not an error (smartctl's exit status is a bit mask). */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the command (SIGKILL) after this long; default 30 s; 0 = no limit (long copies, ended by `signal`). */
  timeoutMs?: number;
  /** Aborting it kills the command (SIGTERM), which then fails like a timeout. */
  signal?: AbortSignal;
  /** Keep the last 64 KiB of stderr instead of the first (a long run's final error lines). */
  stderrTail?: boolean;
  /** Largest stdout accepted; beyond it the command is killed; default 8 MiB. */
  maxStdoutBytes?: number;
  /** Extra environment variables (the rest is inherited, with LC_ALL=C so output is not localized). */
  env?: Record<string, string>;
  /** Written to the command's stdin, which is then closed (secrets go here, never into argv). */
  input?: string;
}

/**
 * Runs a program with an argument list. Injected into hardware backends so tests can substitute
 * recorded output. Implementations never go through a shell.
 */
export type CommandRunner = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_STDOUT = 8 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

/**
 * Spawns `file` with `args` (argv array, `shell: false`), collects stdout and stderr, and resolves
 * with the exit code. Throws HardwareError(HW_UNAVAILABLE) when the program cannot be started,
 * runs past the timeout, is killed by a signal, or prints more than the stdout cap — the caller
 * then reports the tool as unavailable instead of parsing half an answer.
 */
export const runCommand: CommandRunner = (file, args, options = {}) => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;
  const shown = [file, ...args].join(' ');
  return new Promise<ExecResult>((resolve, reject) => {
    let child;
    try {
      child = spawn(file, [...args], {
        shell: false,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C', ...options.env },
      });
    } catch (err) {
      reject(new HardwareError('HW_UNAVAILABLE', `cannot run ${file}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: HardwareError | undefined;
    const fail = (e: HardwareError) => {
      failure ??= e;
      child.kill('SIGKILL');
    };
    const timer = timeoutMs > 0 ? setTimeout(() => fail(new HardwareError('HW_UNAVAILABLE', `${shown} timed out after ${timeoutMs} ms`)), timeoutMs) : undefined;
    timer?.unref();
    const onAbort = () => {
      failure ??= new HardwareError('HW_UNAVAILABLE', `${file} was stopped: ${String(options.signal?.reason ?? 'aborted')}`);
      child.kill('SIGTERM');
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxStdout) fail(new HardwareError('HW_UNAVAILABLE', `${shown} printed more than ${maxStdout} bytes`));
      else out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_STDERR || options.stderrTail) errOut.push(chunk);
      errBytes += chunk.length;
      if (options.stderrTail) while (errOut.length > 1 && errBytes - errOut[0].length >= MAX_STDERR) errBytes -= errOut.shift()!.length;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'not installed (not found)' : err.message;
      fail(new HardwareError('HW_UNAVAILABLE', `cannot run ${file}: ${why}`, { cause: err }));
      done();
      reject(failure);
    });
    child.on('close', (code, signal) => {
      done();
      if (failure) return reject(failure);
      if (code === null) return reject(new HardwareError('HW_UNAVAILABLE', `${shown} was killed by ${signal ?? 'a signal'}`));
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: options.stderrTail ? Buffer.concat(errOut).subarray(-MAX_STDERR).toString('utf8') : Buffer.concat(errOut).toString('utf8').slice(0, MAX_STDERR),
      });
    });
  });
};
