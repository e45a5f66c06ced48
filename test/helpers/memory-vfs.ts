import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VfsError } from '../../src/lib/errors.js';
import type {
  Actor,
  ByteRange,
  DeadProperty,
  EntryStat,
  OpenedFile,
  PropertyPatch,
  QuotaInfo,
  Vfs,
  WriteOptions,
  WriteResult,
} from '../../src/vfs/index.js';

interface Node {
  type: 'file' | 'directory';
  data: Buffer;
  mtimeMs: number;
  birthtimeMs: number;
  ownerId: number | null;
  version: number;
  props: Map<string, DeadProperty>;
  children: Map<string, Node>;
}

export interface MemoryVfsOptions {
  /** share name → user ids allowed to write there (everyone may read). */
  shares?: Record<string, number[]>;
  /** user id → quota bytes. */
  quotas?: Record<number, number>;
}

let versions = 0;

function dirNode(ownerId: number | null): Node {
  const now = Date.now();
  return { type: 'directory', data: Buffer.alloc(0), mtimeMs: now, birthtimeMs: now, ownerId, version: ++versions, props: new Map(), children: new Map() };
}

function cloneNode(n: Node, depth: 0 | 'infinity', ownerId: number): Node {
  const c: Node = { ...n, ownerId, version: ++versions, props: new Map(n.props), children: new Map() };
  if (depth === 'infinity') for (const [k, v] of n.children) c.children.set(k, cloneNode(v, depth, ownerId));
  return c;
}

/**
 * A small in-memory Vfs for the WebDAV handler's own tests (never used by nasd itself): `/home`
 * is the actor's home (`homes/<user>`), other top-level names are shares (`shares/<name>`),
 * admins also see `/homes/<user>`. Enough semantics to run litmus and the cross-user checks.
 */
export class MemoryVfs implements Vfs {
  private readonly areas = new Map<string, Node>();

  constructor(private readonly options: MemoryVfsOptions = {}) {
    for (const name of Object.keys(options.shares ?? {})) this.areas.set(`shares/${name}`, dirNode(null));
  }

  private segments(path: string): string[] {
    const segs = path.split('/').filter((s) => s !== '' && s !== '.');
    for (const s of segs) {
      if (s === '..' || s.includes('\0') || s.includes('\\')) throw new VfsError('VALIDATION', `invalid path segment`);
    }
    return segs;
  }

  /** Area key and the path segments inside the area; null area = the virtual root. */
  private locate(actor: Actor, path: string, write = false): { area: string | null; rest: string[] } {
    const segs = this.segments(path);
    if (segs.length === 0) return { area: null, rest: [] };
    const [top, ...rest] = segs;
    if (top === 'home') return { area: this.home(actor.principal.username), rest };
    if (top === 'homes' && actor.principal.isAdmin) {
      if (rest.length === 0) throw new VfsError('FORBIDDEN', 'virtual folder');
      return { area: this.home(rest[0]), rest: rest.slice(1) };
    }
    const writers = this.options.shares?.[top];
    if (!writers) throw new VfsError('NOT_FOUND', 'no such share');
    if (write && !writers.includes(actor.principal.userId) && !actor.principal.isAdmin) throw new VfsError('FORBIDDEN', 'read-only share');
    return { area: `shares/${top}`, rest };
  }

  private home(user: string): string {
    const key = `homes/${user}`;
    if (!this.areas.has(key)) this.areas.set(key, dirNode(null));
    return key;
  }

  private find(actor: Actor, path: string, write = false): { node: Node; parent?: Node; name: string } {
    const { area, rest } = this.locate(actor, path, write);
    if (area === null) throw new VfsError('FORBIDDEN', 'the root is virtual');
    let node = this.areas.get(area)!;
    let parent: Node | undefined;
    for (const s of rest) {
      if (node.type !== 'directory') throw new VfsError('NOT_A_DIRECTORY', 'not a directory');
      const next = node.children.get(s);
      if (!next) throw new VfsError('NOT_FOUND', 'not found');
      parent = node;
      node = next;
    }
    return { node, parent, name: rest[rest.length - 1] ?? '' };
  }

  private parentOf(actor: Actor, path: string): { dir: Node; name: string } {
    const segs = this.segments(path);
    if (segs.length < 2) throw new VfsError('FORBIDDEN', 'cannot change a namespace folder');
    let dir: Node;
    try {
      dir = this.find(actor, `/${segs.slice(0, -1).join('/')}`, true).node;
    } catch (err) {
      if (err instanceof VfsError && err.code === 'NOT_FOUND') throw new VfsError('PARENT_MISSING', 'parent missing');
      throw err;
    }
    if (dir.type !== 'directory') throw new VfsError('NOT_A_DIRECTORY', 'parent is a file');
    return { dir, name: segs[segs.length - 1] };
  }

  private toStat(path: string, name: string, n: Node, virtual = false): EntryStat {
    return {
      path,
      name,
      type: n.type,
      size: n.type === 'file' ? n.data.length : 0,
      mtimeMs: n.mtimeMs,
      birthtimeMs: n.birthtimeMs,
      ownerId: n.ownerId,
      etag: `"m${n.version}-${n.data.length}"`,
      virtual,
    };
  }

  private norm(path: string): string {
    return `/${this.segments(path).join('/')}`;
  }

  async stat(actor: Actor, path: string): Promise<EntryStat> {
    const p = this.norm(path);
    const depth = this.segments(p).length;
    if (depth === 0) return this.toStat('/', '', dirNode(null), true);
    const { node, name } = this.find(actor, p);
    return this.toStat(p, name, node, depth === 1);
  }

  async list(actor: Actor, path: string): Promise<EntryStat[]> {
    const p = this.norm(path);
    if (p === '/') {
      const names = ['home', ...Object.keys(this.options.shares ?? {})];
      return names.map((n) => this.toStat(`/${n}`, n, this.find(actor, `/${n}`).node, true));
    }
    const { node } = this.find(actor, p);
    if (node.type !== 'directory') throw new VfsError('NOT_A_DIRECTORY', 'not a directory');
    return [...node.children].map(([n, c]) => this.toStat(`${p}/${n}`, n, c));
  }

  async *listInBatches(actor: Actor, path: string): AsyncGenerator<EntryStat[]> {
    yield await this.list(actor, path);
  }

  async openRead(actor: Actor, path: string, range?: ByteRange): Promise<{ stat: EntryStat; stream: Readable }> {
    const stat = await this.stat(actor, path);
    if (stat.type === 'directory') throw new VfsError('IS_A_DIRECTORY', 'is a directory');
    const { node } = this.find(actor, path);
    const data = range ? node.data.subarray(range.start, range.end + 1) : node.data;
    return { stat, stream: Readable.from([data]) };
  }

  async openWhole(actor: Actor, path: string, inlineUpTo: number): Promise<OpenedFile> {
    const { stat, stream } = await this.openRead(actor, path);
    if (stat.size <= inlineUpTo) {
      stream.destroy();
      return { stat, data: this.find(actor, path).node.data };
    }
    return { stat, send: (out) => pipeline(stream, out) };
  }

  async write(actor: Actor, path: string, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
    const { dir, name } = this.parentOf(actor, path);
    const existing = dir.children.get(name);
    if (existing?.type === 'directory') throw new VfsError('IS_A_DIRECTORY', 'is a directory');
    if (existing && options.overwrite === false) throw new VfsError('ALREADY_EXISTS', 'exists');
    const available = (await this.quota(actor, path)).availableBytes + (existing?.data.length ?? 0);
    if (options.expectedSize !== undefined && options.expectedSize > available) throw new VfsError('QUOTA_EXCEEDED', 'quota exceeded');
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of source) {
      total += (chunk as Buffer).length;
      if (total > available) throw new VfsError('QUOTA_EXCEEDED', 'quota exceeded');
      chunks.push(chunk as Buffer);
    }
    const now = Date.now();
    const node: Node = existing ?? { ...dirNode(actor.principal.userId), type: 'file' };
    node.data = Buffer.concat(chunks);
    node.version = ++versions;
    node.mtimeMs = options.mtimeMs ?? now;
    dir.children.set(name, node);
    return { stat: this.toStat(this.norm(path), name, node), created: !existing };
  }

  async mkdir(actor: Actor, path: string): Promise<EntryStat> {
    const { dir, name } = this.parentOf(actor, path);
    if (dir.children.has(name)) throw new VfsError('ALREADY_EXISTS', 'exists');
    const node = dirNode(actor.principal.userId);
    dir.children.set(name, node);
    return this.toStat(this.norm(path), name, node);
  }

  async remove(actor: Actor, path: string): Promise<void> {
    const { dir, name } = this.parentOf(actor, path);
    if (!dir.children.delete(name)) throw new VfsError('NOT_FOUND', 'not found');
  }

  private async transfer(actor: Actor, from: string, to: string, overwrite: boolean, make: (n: Node) => Node): Promise<{ created: boolean }> {
    const src = this.find(actor, from).node;
    const { dir, name } = this.parentOf(actor, to);
    const existing = dir.children.get(name);
    if (existing && !overwrite) throw new VfsError('ALREADY_EXISTS', 'exists');
    dir.children.set(name, make(src));
    return { created: !existing };
  }

  async move(actor: Actor, from: string, to: string, options: { overwrite: boolean }): Promise<{ created: boolean }> {
    const { dir, name } = this.parentOf(actor, from);
    const result = await this.transfer(actor, from, to, options.overwrite, (n) => n);
    dir.children.delete(name);
    return result;
  }

  async copy(actor: Actor, from: string, to: string, options: { overwrite: boolean; depth: 0 | 'infinity' }): Promise<{ created: boolean }> {
    return this.transfer(actor, from, to, options.overwrite, (n) => cloneNode(n, options.depth, actor.principal.userId));
  }

  async setMtime(actor: Actor, path: string, mtimeMs: number): Promise<void> {
    this.find(actor, path, true).node.mtimeMs = mtimeMs;
  }

  async assertWritable(actor: Actor, path: string): Promise<void> {
    this.locate(actor, path, true);
  }

  /** No lock policy here, and locks are neither enforced nor dropped with their resource: that is VfsService's, tested on it. */
  async assertMayLock(actor: Actor, path: string): Promise<void> {
    this.locate(actor, path, true);
  }

  async quota(actor: Actor, _path?: string): Promise<QuotaInfo> {
    const limit = this.options.quotas?.[actor.principal.userId] ?? null;
    let used = 0;
    const walk = (n: Node) => {
      if (n.type === 'file' && n.ownerId === actor.principal.userId) used += n.data.length;
      for (const c of n.children.values()) walk(c);
    };
    for (const a of this.areas.values()) walk(a);
    return { usedBytes: used, limitBytes: limit, availableBytes: limit === null ? 1e12 : Math.max(0, limit - used) };
  }

  async storageKey(actor: Actor, path: string): Promise<string> {
    const { area, rest } = this.locate(actor, path);
    return [area ?? '', ...rest].join('/');
  }

  async getProperties(actor: Actor, path: string): Promise<DeadProperty[]> {
    if (this.segments(path).length === 0) return [];
    return [...this.find(actor, path).node.props.values()];
  }

  async listChildProperties(actor: Actor, path: string): Promise<Map<string, DeadProperty[]>> {
    const out = new Map<string, DeadProperty[]>();
    if (this.segments(path).length === 0) return out;
    for (const [name, c] of this.find(actor, path).node.children) if (c.props.size > 0) out.set(name, [...c.props.values()]);
    return out;
  }

  async patchProperties(actor: Actor, path: string, patch: PropertyPatch): Promise<void> {
    const { node } = this.find(actor, path, true);
    for (const p of patch.set) node.props.set(`${p.ns}\u0000${p.name}`, p);
    for (const p of patch.remove) node.props.delete(`${p.ns}\u0000${p.name}`);
  }
}
