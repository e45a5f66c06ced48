import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuditEvent, AuditLog } from '../../audit/index.js';
import { parseFullAudit, type FullAuditRecord } from './full-audit.js';

export interface SmbAuditReaderOptions {
  /** The file Samba writes the `full_audit` debug class to (`log level = … full_audit:1@<file>`). */
  logFile: string;
  /** Where the reader remembers how far it read (a small JSON file nasd owns). */
  stateFile: string;
  storageRoot: string;
  /** nasd users by their Unix account (`nasd-alice`), read once per batch of records. */
  usersByAccount(): Promise<Map<string, { id: number; username: string }>>;
  audit: Pick<AuditLog, 'record'>;
}

interface ReadState {
  ino: number;
  offset: number;
}

const MAX_READ = 4 * 1024 * 1024;
// NT access bits that let a handle change the data: FILE_WRITE_DATA, FILE_APPEND_DATA.
const WRITE_ACCESS = 0x2 | 0x4;
const TRUNCATING = new Set(['create', 'supersede', 'overwrite', 'overwrite_if']);

/**
 * Turns the lines Samba's `vfs_full_audit` writes into nasd audit events with protocol `smb`,
 * attributed to the nasd user whose `nasd-<user>` account acted: `file.write` (a file opened to
 * write or created), `file.mkdir`, `file.move` (one event per rename, `details.to`) and
 * `file.delete` (files and folders). Remembers the inode and offset it read up to; when Samba
 * rotated the file (`<file>.old`) it finishes the old one first, and a truncated file is read
 * from its start. The offset is saved before the batch is recorded, so a line is never audited
 * twice (a crash in between loses that batch instead).
 */
export class SmbAuditReader {
  private readonly roots: string[];

  constructor(private readonly options: SmbAuditReaderOptions) {
    this.roots = [path.resolve(options.storageRoot)];
  }

  /** Reads what Samba appended since the last run and records it; returns how many events. */
  async run(): Promise<number> {
    const real = await fs.realpath(this.options.storageRoot).catch(() => undefined);
    if (real && !this.roots.includes(real)) this.roots.push(real);
    const state = await this.loadState();
    const current = await fs.stat(this.options.logFile).catch(() => undefined);
    if (!current) {
      // Inode 0 matches no file: the log Samba creates later is read from its start.
      if (!state) await this.saveState({ ino: 0, offset: 0 });
      return 0;
    }
    // No state but a log: the state was lost; start at the end rather than audit old lines again.
    if (!state) {
      await this.saveState({ ino: current.ino, offset: current.size });
      return 0;
    }
    let recorded = 0;
    if (state.ino !== current.ino) {
      const old = await fs.stat(`${this.options.logFile}.old`).catch(() => undefined);
      if (old?.ino === state.ino) recorded += (await this.drain(`${this.options.logFile}.old`, state.offset, old.ino)).count;
    }
    const from = state.ino === current.ino && state.offset <= current.size ? state.offset : 0;
    const { offset, count } = await this.drain(this.options.logFile, from, current.ino);
    if (offset !== state.offset || current.ino !== state.ino) await this.saveState({ ino: current.ino, offset });
    return recorded + count;
  }

  /** Records the complete records of `file` from `start` on, saving the offset before each batch. */
  private async drain(file: string, start: number, ino: number): Promise<{ offset: number; count: number }> {
    let offset = start;
    let recorded = 0;
    const handle = await fs.open(file, 'r');
    try {
      for (;;) {
        const buf = Buffer.alloc(MAX_READ);
        const { bytesRead } = await handle.read(buf, 0, MAX_READ, offset);
        const lastNl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (lastNl < 0) break;
        const text = buf.subarray(0, lastNl + 1).toString('utf8');
        const { records, consumed } = parseFullAudit(text);
        if (consumed === 0) break;
        offset += Buffer.byteLength(text.slice(0, consumed));
        await this.saveState({ ino, offset });
        recorded += await this.recordAll(records);
        if (bytesRead < MAX_READ) break;
      }
    } finally {
      await handle.close();
    }
    return { offset, count: recorded };
  }

  private async recordAll(records: FullAuditRecord[]): Promise<number> {
    if (!records.length) return 0;
    const users = await this.options.usersByAccount();
    let n = 0;
    for (const r of records) {
      const event = this.eventOf(r, users.get(r.account));
      if (!event) continue;
      await this.options.audit.record(event);
      n++;
    }
    return n;
  }

  private eventOf(r: FullAuditRecord, user: { id: number; username: string } | undefined): AuditEvent | undefined {
    const target = this.virtualPath(r.path);
    if (target === undefined) return undefined;
    let action: string;
    let details: Record<string, unknown> = {};
    switch (r.op) {
      case 'mkdirat':
        action = 'file.mkdir';
        break;
      case 'unlinkat':
        action = 'file.delete';
        break;
      case 'renameat': {
        const to = this.virtualPath(r.to);
        if (to === undefined) return undefined;
        action = 'file.move';
        details = { to };
        break;
      }
      case 'create_file':
        if (r.kind !== 'file' || (!TRUNCATING.has(r.disposition) && (r.accessMask & WRITE_ACCESS) === 0)) return undefined;
        action = 'file.write';
        details = { disposition: r.disposition };
        break;
    }
    return { action, outcome: 'success', actor: user ? { id: user.id, name: user.username } : null, protocol: 'smb', target, details: user ? details : { ...details, account: r.account } };
  }

  /** `<root>/shares/media/a` → `/media/a`, `<root>/homes/alice/a` → `/homes/alice/a`; undefined outside the storage. */
  private virtualPath(p: string): string | undefined {
    for (const root of this.roots) {
      if (!p.startsWith(root + '/')) continue;
      const key = p.slice(root.length + 1);
      if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
      if (key.startsWith('shares/') && key.length > 'shares/'.length) return `/${key.slice('shares/'.length)}`;
      if (key.startsWith('homes/') && key.length > 'homes/'.length) return `/${key}`;
      return undefined;
    }
    return undefined;
  }

  private async loadState(): Promise<ReadState | undefined> {
    const text = await fs.readFile(this.options.stateFile, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const s = JSON.parse(text) as Partial<ReadState>;
      return Number.isSafeInteger(s.ino) && Number.isSafeInteger(s.offset) && s.offset! >= 0 ? { ino: s.ino!, offset: s.offset! } : undefined;
    } catch {
      return undefined;
    }
  }

  private async saveState(state: ReadState): Promise<void> {
    const tmp = `${this.options.stateFile}.tmp`;
    // On a first start the reader runs before the include file (and its folder) is written.
    await fs.mkdir(path.dirname(this.options.stateFile), { recursive: true });
    await fs.writeFile(tmp, JSON.stringify(state));
    await fs.rename(tmp, this.options.stateFile);
  }
}
