import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ValidationError } from '../../src/lib/errors.js';

/** The WebDAV namespace. */
export const DAV_NS = 'DAV:';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** A namespaced attribute of a parsed element (xmlns declarations are not kept). */
export interface XmlAttr {
  ns: string;
  local: string;
  value: string;
}

/** A parsed element: expanded name, attributes and children (elements and text, in order). */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: XmlAttr[];
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export interface XmlLimits {
  /** Deepest element nesting accepted (the root is depth 1). */
  maxDepth: number;
  /** Most elements accepted in one document. */
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 100_000 };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a request body strictly: namespace-aware, UTF-8 only, no DOCTYPE (so no entity can be
 * declared, expanded or fetched — only the five predefined entities and character references
 * exist), bounded depth and element count. Any violation is a ValidationError (→ 400).
 */
export function parseXml(body: Buffer, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ValidationError('request body is not valid UTF-8');
  }
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let failure: ValidationError | undefined;
  const fail = (message: string): never => {
    failure ??= new ValidationError(message);
    throw failure;
  };
  parser.on('error', (err) => fail(`malformed XML: ${err.message}`));
  parser.on('doctype', () => fail('DOCTYPE declarations are not accepted'));
  parser.on('opentag', (tag) => {
    if (stack.length >= limits.maxDepth) fail(`XML nesting deeper than ${limits.maxDepth} levels`);
    if (++elements > limits.maxElements) fail(`XML with more than ${limits.maxElements} elements`);
    const el = toElement(tag as SaxesTagNS);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  const onText = (t: string) => {
    const parent = stack[stack.length - 1];
    if (parent && t.length > 0) parent.children.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (err) {
    if (failure) throw failure;
    throw new ValidationError(`malformed XML: ${(err as Error).message}`);
  }
  if (failure) throw failure;
  if (!root) throw new ValidationError('XML body has no root element');
  return root;
}

function toElement(tag: SaxesTagNS): XmlElement {
  const attrs: XmlAttr[] = [];
  for (const key in tag.attributes) {
    const a = tag.attributes[key];
    if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
    attrs.push({ ns: a.uri, local: a.local, value: a.value });
  }
  return { ns: tag.uri, local: tag.local, attrs, children: [] };
}

/** True when `node` is an element named {ns}local. */
export function isElement(node: XmlNode | undefined, ns: string, local: string): node is XmlElement {
  return typeof node === 'object' && node.ns === ns && node.local === local;
}

/** Element children only (text and whitespace dropped). */
export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c === 'object') out.push(c);
  return out;
}

/** First child element named {ns}local, if any. */
export function findChild(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  for (const c of el.children) if (isElement(c, ns, local)) return c;
  return undefined;
}

/** Concatenated text of an element's direct text children. */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

/** Escapes text for element content or a double-quoted attribute value. */
export function escapeXml(s: string): string {
  return /[&<>"\r]/.test(s) ? s.replace(/[&<>"\r]/g, (c) => TEXT_ESCAPES[c]) : s;
}

/**
 * Serialises an element's children as a self-contained XML fragment: every element declares its
 * own default namespace (and prefixes for namespaced attributes), so the fragment keeps its exact
 * expanded names wherever it is embedded later.
 */
export function innerXml(el: XmlElement): string {
  let out = '';
  for (const c of el.children) out += typeof c === 'string' ? escapeXml(c) : outerXml(c, null);
  return out;
}

function outerXml(el: XmlElement, parentNs: string | null): string {
  let open = `<${el.local}`;
  if (el.ns !== parentNs) open += ` xmlns="${escapeXml(el.ns)}"`;
  el.attrs.forEach((a, i) => {
    if (a.ns === XML_NS) open += ` xml:${a.local}="${escapeXml(a.value)}"`;
    else if (a.ns) open += ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.local}="${escapeXml(a.value)}"`;
    else open += ` ${a.local}="${escapeXml(a.value)}"`;
  });
  if (el.children.length === 0) return `${open}/>`;
  let inner = '';
  for (const c of el.children) inner += typeof c === 'string' ? escapeXml(c) : outerXml(c, el.ns);
  return `${open}>${inner}</${el.local}>`;
}

/** `<local xmlns="ns">inner</local>`: a property element with its exact namespace. */
export function propertyXml(ns: string, local: string, inner: string): string {
  const decl = ns === DAV_NS ? '' : ` xmlns="${escapeXml(ns)}"`;
  const name = ns === DAV_NS ? `D:${local}` : local;
  return inner ? `<${name}${decl}>${inner}</${name}>` : `<${name}${decl}/>`;
}
