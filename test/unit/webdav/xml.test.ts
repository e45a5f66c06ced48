import { expect } from 'chai';
import { DAV_NS, innerXml, parseXml, propertyXml, type XmlElement } from '../../../protocols/webdav/xml.js';

const xml = (s: string) => parseXml(Buffer.from(s, 'utf8'));

function expectValidation(s: string | Buffer, pattern?: RegExp): void {
  let err: unknown;
  try {
    parseXml(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  } catch (e) {
    err = e;
  }
  expect(err, 'parse should fail').to.have.property('code', 'VALIDATION');
  if (pattern) expect((err as Error).message).to.match(pattern);
}

describe('webdav XML parser', () => {
  it('resolves namespaces, prefixed and default', () => {
    const root = xml('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><x:a xmlns:x="urn:x"/><b xmlns="urn:y"/><c xmlns=""/></D:prop></D:propfind>');
    expect(root).to.include({ ns: DAV_NS, local: 'propfind' });
    const prop = root.children[0] as XmlElement;
    expect((prop.children as XmlElement[]).map((c) => [c.ns, c.local])).to.deep.equal([
      ['urn:x', 'a'],
      ['urn:y', 'b'],
      ['', 'c'],
    ]);
  });

  it('re-serialises a value with its exact namespaces, text escaped', () => {
    const root = xml('<p xmlns="urn:p"><v:x xmlns:v="urn:v" v:attr="1" plain="2">a &amp; b<y/>&#x1F600;</v:x>t&lt;</p>');
    const inner = innerXml(root);
    expect(inner).to.equal('<x xmlns="urn:v" xmlns:a0="urn:v" a0:attr="1" plain="2">a &amp; b<y xmlns="urn:p"/>\u{1F600}</x>t&lt;');
    const again = xml(`<w>${inner}</w>`);
    expect(innerXml(again)).to.equal(inner);
  });

  it('writes property elements in any namespace, including none', () => {
    expect(propertyXml(DAV_NS, 'getetag', '"x"')).to.equal('<D:getetag>"x"</D:getetag>');
    expect(propertyXml('', 'foo', '')).to.equal('<foo xmlns=""/>');
    expect(propertyXml('urn:a&b', 'foo', 'v')).to.equal('<foo xmlns="urn:a&amp;b">v</foo>');
  });

  describe('hostile input', () => {
    it('refuses billion laughs (any DOCTYPE)', () => {
      const lol =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><D:propfind xmlns:D="DAV:"><D:prop><x>&lol3;</x></D:prop></D:propfind>';
      expectValidation(lol, /DOCTYPE/);
    });

    it('refuses external entities', () => {
      expectValidation('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', /DOCTYPE/);
    });

    it('never expands an undeclared entity', () => {
      expectValidation('<x>&e;</x>', /malformed/);
    });

    it('refuses 100,000-deep nesting quickly', () => {
      const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
      expectValidation(deep, /nesting/);
    });

    it('refuses too many elements', () => {
      expectValidation(`<a>${'<b/>'.repeat(100_001)}</a>`, /elements/);
    });

    it('refuses malformed documents, bad namespaces and invalid UTF-8', () => {
      expectValidation('<a><b></a>');
      expectValidation('<a>');
      expectValidation('');
      expectValidation('just text');
      expectValidation('<x:a/>');
      expectValidation('<a xmlns:b=""/>');
      expectValidation(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), /UTF-8/);
    });
  });
});
