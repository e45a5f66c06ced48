import { expect } from 'chai';
import { evaluateIfHeader, parseIfHeader, submittedTokens, type IfResourceState } from '../../../protocols/webdav/if-header.js';

const T1 = 'urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2';
const T2 = 'urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092';

function state(etag: string | null, ...tokens: string[]): IfResourceState {
  return { etag, lockTokens: new Set(tokens) };
}

describe('webdav If header', () => {
  describe('parse', () => {
    it('parses untagged lists with tokens, Not and entity tags', () => {
      const h = parseIfHeader(`(<${T1}> ["I am an ETag"]) (Not <DAV:no-lock> ["I am another ETag"])`);
      expect(h.tagged).to.equal(false);
      expect(h.groups).to.have.length(1);
      expect(h.groups[0].resource).to.equal(null);
      expect(h.groups[0].lists).to.deep.equal([
        [
          { not: false, kind: 'token', value: T1 },
          { not: false, kind: 'etag', value: '"I am an ETag"' },
        ],
        [
          { not: true, kind: 'token', value: 'DAV:no-lock' },
          { not: false, kind: 'etag', value: '"I am another ETag"' },
        ],
      ]);
    });

    it('parses tagged lists, several lists per tag and several tags', () => {
      const h = parseIfHeader(`<http://h/dav/a> (<${T1}>) (["x"]) <http://h/dav/b> (Not <${T2}>)`);
      expect(h.tagged).to.equal(true);
      expect(h.groups.map((g) => g.resource)).to.deep.equal(['http://h/dav/a', 'http://h/dav/b']);
      expect(h.groups[0].lists).to.have.length(2);
      expect(h.groups[1].lists[0][0]).to.deep.equal({ not: true, kind: 'token', value: T2 });
    });

    it('accepts weak entity tags and Not without a space', () => {
      const h = parseIfHeader('(Not["a"] [W/"b"])');
      expect(h.groups[0].lists[0]).to.deep.equal([
        { not: true, kind: 'etag', value: '"a"' },
        { not: false, kind: 'etag', value: 'W/"b"' },
      ]);
    });

    for (const bad of [
      '',
      '   ',
      '(',
      '()',
      '(<urn:x>',
      '<http://h/a>',
      '(<urn:x>) <http://h/a> (<urn:y>)',
      '<http://h/a> (<urn:x>) (<urn:y>) garbage',
      '([unquoted])',
      '(Nope <urn:x>)',
      '(<a b>)',
      'x'.repeat(20000),
    ]) {
      it(`rejects ${JSON.stringify(bad.slice(0, 40))} with a validation error`, () => {
        expect(() => parseIfHeader(bad)).to.throw().with.property('code', 'VALIDATION');
      });
    }
  });

  describe('evaluate', () => {
    it('is true when any list holds and false when none does', async () => {
      const h = parseIfHeader(`(<${T1}> ["e1"]) (<${T2}>)`);
      expect(await evaluateIfHeader(h, async () => state('"e1"', T1))).to.equal(true);
      expect(await evaluateIfHeader(h, async () => state('"e2"', T1))).to.equal(false);
      expect(await evaluateIfHeader(h, async () => state('"e2"', T2))).to.equal(true);
    });

    it('treats DAV:no-lock as never matching, so Not <DAV:no-lock> always holds', async () => {
      expect(await evaluateIfHeader(parseIfHeader('(<DAV:no-lock>)'), async () => state('"e"', T1))).to.equal(false);
      expect(await evaluateIfHeader(parseIfHeader(`(<${T1}x>) (Not <DAV:no-lock>)`), async () => state('"e"', T1))).to.equal(true);
    });

    it('compares entity tags and fails them on a missing resource', async () => {
      const h = parseIfHeader('(["abc"])');
      expect(await evaluateIfHeader(h, async () => state('"abc"'))).to.equal(true);
      expect(await evaluateIfHeader(h, async () => state(null))).to.equal(false);
      expect(await evaluateIfHeader(parseIfHeader('(Not ["abc"])'), async () => state(null))).to.equal(true);
    });

    it('evaluates tagged lists against their own resource', async () => {
      const h = parseIfHeader(`<http://h/dav/a> (<${T1}>) <http://h/dav/b> (<${T2}>)`);
      const seen: Array<string | null> = [];
      const ok = await evaluateIfHeader(h, async (r) => {
        seen.push(r);
        return r === 'http://h/dav/b' ? state(null, T2) : state(null);
      });
      expect(ok).to.equal(true);
      expect(seen).to.deep.equal(['http://h/dav/a', 'http://h/dav/b']);
    });
  });

  it('collects submitted tokens, leaving out negated ones', () => {
    const h = parseIfHeader(`(<${T1}>) (Not <${T2}>) <http://h/x> (<urn:uuid:3>)`.replace('<http://h/x> ', ''));
    expect([...submittedTokens(h)]).to.deep.equal([T1, 'urn:uuid:3']);
    expect(submittedTokens(null).size).to.equal(0);
  });
});
