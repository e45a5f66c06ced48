import { ValidationError } from '../../src/lib/errors.js';

/** One condition of an If: list: a state token (`<urn:uuid:…>`) or an entity tag (`["…"]`), maybe negated. */
export interface IfCondition {
  not: boolean;
  kind: 'token' | 'etag';
  value: string;
}

/** The lists that apply to one resource: `resource` is the tag, or null for the request URI. */
export interface IfGroup {
  resource: string | null;
  /** Alternatives: the group holds when any list holds; a list holds when all its conditions hold. */
  lists: IfCondition[][];
}

export interface IfHeader {
  tagged: boolean;
  groups: IfGroup[];
}

/** What the evaluator needs to know about a resource: its current ETag and the tokens of the locks on it. */
export interface IfResourceState {
  /** null when the resource does not exist. */
  etag: string | null;
  lockTokens: ReadonlySet<string>;
}

export type IfResolver = (resource: string | null) => Promise<IfResourceState>;

const MAX_HEADER = 16 * 1024;

/**
 * Parses an RFC 4918 §10.4 If header: either untagged lists `(…) (…)` or tagged lists
 * `<uri> (…) <uri2> (…)`, never a mix. Conditions are `[Not] <coded-url>` or `[Not] [etag]`.
 * Throws ValidationError (→ 400) on any syntax error.
 */
export function parseIfHeader(raw: string): IfHeader {
  if (raw.length > MAX_HEADER) throw new ValidationError('If header too long');
  let i = 0;
  const bad = (why: string): never => {
    throw new ValidationError(`malformed If header: ${why} at offset ${i}`);
  };
  const skipWs = () => {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
  };
  const readUntil = (close: string): string => {
    const end = raw.indexOf(close, i);
    if (end < 0) bad(`missing '${close}'`);
    const v = raw.slice(i, end);
    i = end + 1;
    return v;
  };
  const groups: IfGroup[] = [];
  let tagged: boolean | undefined;
  skipWs();
  if (i >= raw.length) bad('empty header');
  while (i < raw.length) {
    let resource: string | null = null;
    if (raw[i] === '<') {
      if (tagged === false) bad('tagged list after untagged list');
      tagged = true;
      i++;
      resource = readUntil('>');
      if (!resource) bad('empty resource tag');
      skipWs();
      if (raw[i] !== '(') bad('resource tag without a list');
    } else if (raw[i] === '(') {
      if (tagged === true) {
        groups[groups.length - 1].lists.push(readList());
        skipWs();
        continue;
      }
      tagged = false;
    } else {
      bad(`unexpected '${raw[i]}'`);
    }
    const group: IfGroup = { resource, lists: [] };
    while (raw[i] === '(') {
      group.lists.push(readList());
      skipWs();
      if (tagged) break;
    }
    groups.push(group);
  }
  return { tagged: tagged === true, groups };

  function readList(): IfCondition[] {
    i++; // '('
    const conds: IfCondition[] = [];
    for (;;) {
      skipWs();
      if (raw[i] === ')') {
        i++;
        break;
      }
      let not = false;
      if (raw.startsWith('Not', i) && /[\s<[]/.test(raw[i + 3] ?? '')) {
        not = true;
        i += 3;
        skipWs();
      }
      if (raw[i] === '<') {
        i++;
        const value = readUntil('>');
        if (!value || /\s/.test(value)) bad('invalid state token');
        conds.push({ not, kind: 'token', value });
      } else if (raw[i] === '[') {
        i++;
        const value = readUntil(']');
        if (!/^(W\/)?"[^"]*"$/.test(value)) bad('invalid entity tag');
        conds.push({ not, kind: 'etag', value });
      } else {
        bad(i >= raw.length ? 'unterminated list' : `unexpected '${raw[i]}' in list`);
      }
    }
    if (conds.length === 0) bad('empty list');
    return conds;
  }
}

/** Lock tokens the client submitted: every non-negated state token anywhere in the header. */
export function submittedTokens(header: IfHeader | null): Set<string> {
  const out = new Set<string>();
  if (!header) return out;
  for (const g of header.groups) for (const l of g.lists) for (const c of l) if (c.kind === 'token' && !c.not) out.add(c.value);
  return out;
}

function etagEquals(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

/**
 * Evaluates the header (RFC 4918 §10.4.3): true when at least one list of any group holds
 * against its resource; a list holds when every condition does. A state token holds when it is
 * the token of a lock on the resource; an entity tag when it equals the resource's ETag.
 */
export async function evaluateIfHeader(header: IfHeader, resolve: IfResolver): Promise<boolean> {
  for (const group of header.groups) {
    const state = await resolve(group.resource);
    for (const list of group.lists) {
      const holds = list.every((c) => {
        const match =
          c.kind === 'token' ? state.lockTokens.has(c.value) : state.etag !== null && etagEquals(c.value, state.etag);
        return c.not ? !match : match;
      });
      if (holds) return true;
    }
  }
  return false;
}
