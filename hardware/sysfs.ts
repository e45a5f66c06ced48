import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HardwareError } from '../src/lib/errors.js';

/**
 * Reads and writes files below a configurable root (`/sys`, `/proc`, or a recorded tree in tests).
 * Relative paths only: a path that would leave the root is refused, so a device name taken from a
 * request can never reach an arbitrary file.
 */
export class SysFs {
  constructor(readonly root: string) {}

  /** Absolute path of `rel` under the root. */
  resolve(rel: string): string {
    const full = path.resolve(this.root, rel);
    const root = path.resolve(this.root);
    if (full !== root && !full.startsWith(root + path.sep)) {
      throw new HardwareError('VALIDATION', `path ${rel} leaves ${this.root}`);
    }
    return full;
  }

  /** The file's text, trimmed; null when it does not exist. Other errors → HW_UNAVAILABLE. */
  async read(rel: string): Promise<string | null> {
    try {
      return (await fs.readFile(this.resolve(rel), 'utf8')).trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HardwareError('HW_UNAVAILABLE', `cannot read ${this.resolve(rel)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The file parsed as an integer; null when absent or not a number. */
  async readInt(rel: string): Promise<number | null> {
    const text = await this.read(rel);
    if (text === null || !/^-?\d+$/.test(text)) return null;
    return Number(text);
  }

  /** Whitespace-separated words of the file; empty when absent. */
  async readList(rel: string): Promise<string[]> {
    const text = await this.read(rel);
    return text ? text.split(/\s+/).filter(Boolean) : [];
  }

  /** Writes `value` (with a newline, as `echo` would) to an existing file; sysfs attributes are never created. */
  async write(rel: string, value: string): Promise<void> {
    const file = this.resolve(rel);
    let handle;
    try {
      // O_TRUNC without O_CREAT, exactly what `echo value > file` does on sysfs.
      handle = await fs.open(file, constants.O_WRONLY | constants.O_TRUNC);
      await handle.write(`${value}\n`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new HardwareError('DEVICE_NOT_FOUND', `${file} does not exist`, { cause: err });
      if (code === 'EBUSY') throw new HardwareError('DEVICE_BUSY', `${file} is busy: the kernel refused "${value}"`, { cause: err });
      if (code === 'EINVAL') throw new HardwareError('VALIDATION', `the kernel refused "${value}" for ${file}`, { cause: err });
      throw new HardwareError('HW_UNAVAILABLE', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
    } finally {
      await handle?.close();
    }
  }

  /** Entry names of a directory, sorted; empty when it does not exist. */
  async list(rel: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.resolve(rel))).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw new HardwareError('HW_UNAVAILABLE', `cannot list ${this.resolve(rel)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async exists(rel: string): Promise<boolean> {
    try {
      await fs.access(this.resolve(rel));
      return true;
    } catch {
      return false;
    }
  }
}
