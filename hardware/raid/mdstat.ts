import type { RaidMember, RaidSync, RaidSyncAction } from '../types.js';

/** One member as /proc/mdstat lists it: `sdb1[1](F)`. */
export interface MdstatMember {
  device: string;
  /** The descriptor number in brackets (not necessarily the role slot). */
  descriptor: number;
  faulty: boolean;
  spare: boolean;
  writeMostly: boolean;
  replacement: boolean;
  journal: boolean;
}

/** One array block of /proc/mdstat, parsed but not yet interpreted. */
export interface MdstatArray {
  name: string;
  /** `active`, `inactive`, `active (auto-read-only)`, `active (read-only)`. */
  state: string;
  level: string | null;
  members: MdstatMember[];
  /** Size in 1 KiB blocks. */
  blocks: number | null;
  /** `[n/m]`: slots the array is built for, and in-sync members. */
  raidDevices: number | null;
  workingDevices: number | null;
  /** `[UU_]` as a string of U and _. */
  status: string | null;
  sync: RaidSync | null;
  bitmap: { pagesUsed: number; pagesTotal: number; chunkKiB: number | null; file: string | null } | null;
}

export interface Mdstat {
  personalities: string[];
  arrays: MdstatArray[];
}

const HEADER = /^(md[\w.-]*|md_d\d+)\s*:\s*(.*)$/;
const MEMBER = /^([\w.:-]+)\[(\d+)\]((?:\([A-Z]\))*)$/;
const STATE = /^(active|inactive)(\s+\((?:auto-read-only|read-only)\))?\s*(.*)$/;
const PROGRESS = /\b(resync|recovery|check|repair|reshape)\s*=\s*(\d+(?:\.\d+)?)%(?:\s*\(\d+\/\d+\))?(?:\s+finish=(\d+(?:\.\d+)?)min)?(?:\s+speed=(\d+)K\/sec)?/;
const WAITING = /\b(resync|recovery|check|repair|reshape)\s*=\s*(DELAYED|PENDING)\b/;
const BITMAP = /^bitmap:\s*(\d+)\/(\d+)\s+pages\s+\[\d+KB\](?:,\s*(\d+)KB chunk)?(?:,\s*file:\s*(\S+))?/;

function parseMember(token: string): MdstatMember | null {
  const m = MEMBER.exec(token);
  if (!m) return null;
  const flags = m[3] ?? '';
  return {
    device: m[1],
    descriptor: Number(m[2]),
    faulty: flags.includes('(F)'),
    spare: flags.includes('(S)'),
    writeMostly: flags.includes('(W)'),
    replacement: flags.includes('(R)'),
    journal: flags.includes('(J)'),
  };
}

function parseSync(line: string): RaidSync | null {
  const p = PROGRESS.exec(line);
  if (p) {
    return {
      action: p[1] as RaidSyncAction,
      percent: Number(p[2]),
      finishMinutes: p[3] === undefined ? null : Number(p[3]),
      speedKiBs: p[4] === undefined ? null : Number(p[4]),
      status: 'running',
    };
  }
  const w = WAITING.exec(line);
  if (w) {
    return { action: w[1] as RaidSyncAction, percent: null, finishMinutes: null, speedKiBs: null, status: w[2] === 'DELAYED' ? 'delayed' : 'pending' };
  }
  return null;
}

function parseHeader(name: string, rest: string): MdstatArray {
  const s = STATE.exec(rest.trim());
  const state = s ? `${s[1]}${s[2] ?? ''}`.replace(/\s+/g, ' ') : rest.trim().split(/\s+/)[0] ?? 'unknown';
  const tokens = (s ? s[3] : '').split(/\s+/).filter(Boolean);
  let level: string | null = null;
  const members: MdstatMember[] = [];
  for (const token of tokens) {
    const member = parseMember(token);
    if (member) members.push(member);
    else if (level === null && /^(raid\d+|linear|multipath|faulty|container)$/.test(token)) level = token;
  }
  return { name, state, level, members, blocks: null, raidDevices: null, workingDevices: null, status: null, sync: null, bitmap: null };
}

function parseDetailLine(array: MdstatArray, line: string): void {
  const blocks = /^(\d+)\s+blocks\b/.exec(line);
  if (blocks) {
    array.blocks = Number(blocks[1]);
    const counts = /\[(\d+)\/(\d+)\]\s*\[([U_]+)\]/.exec(line);
    if (counts) {
      array.raidDevices = Number(counts[1]);
      array.workingDevices = Number(counts[2]);
      array.status = counts[3];
    }
    return;
  }
  const bitmap = BITMAP.exec(line);
  if (bitmap) {
    array.bitmap = {
      pagesUsed: Number(bitmap[1]),
      pagesTotal: Number(bitmap[2]),
      chunkKiB: bitmap[3] === undefined ? null : Number(bitmap[3]),
      file: bitmap[4] ?? null,
    };
    return;
  }
  array.sync ??= parseSync(line);
}

/**
 * Parses the text of /proc/mdstat (drivers/md/md.c md_seq_show): a `Personalities` line, one
 * block per array (header `mdX : state [level] members…`, then indented lines for size and
 * `[n/m] [UU_]`, the bitmap and resync progress), and `unused devices`. Unknown lines are
 * ignored so a newer kernel's additions do not break the parse.
 */
export function parseMdstat(text: string): Mdstat {
  const result: Mdstat = { personalities: [], arrays: [] };
  let current: MdstatArray | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) {
      current = null;
      continue;
    }
    if (line.startsWith('Personalities')) {
      result.personalities = [...line.matchAll(/\[([\w-]+)\]/g)].map((m) => m[1]);
      continue;
    }
    if (line.startsWith('unused devices')) {
      current = null;
      continue;
    }
    const header = HEADER.exec(line);
    if (header && !/^\s/.test(raw)) {
      current = parseHeader(header[1], header[2]);
      result.arrays.push(current);
      continue;
    }
    if (current) parseDetailLine(current, line);
  }
  return result;
}

/** The member roles of a parsed array; `slots` (from sysfs) override the descriptor numbers. */
export function mdstatMembers(array: MdstatArray, slots: Map<string, number | null> = new Map()): RaidMember[] {
  return array.members
    .map((m): RaidMember => {
      const role = m.faulty ? 'faulty' : m.spare || array.state === 'inactive' ? 'spare' : 'active';
      const slot = slots.has(m.device) ? (slots.get(m.device) ?? null) : role === 'active' ? m.descriptor : null;
      return { device: m.device, slot, role };
    })
    .sort((a, b) => (a.slot ?? 1e9) - (b.slot ?? 1e9) || a.device.localeCompare(b.device));
}
