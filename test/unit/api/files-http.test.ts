import { parse } from 'content-disposition';
import { expect } from 'chai';
import { decideRange, ifRangeMatches } from '../../../src/lib/http-range.js';
import { previewType } from '../../../src/api/files/send.js';
import { dispositionFor } from '../../../src/lib/served-content.js';

describe('file API: ranges, dispositions and preview types', () => {
  it('resolves single byte ranges and refuses unsatisfiable ones', () => {
    expect(decideRange(undefined, 10)).to.deep.equal({ kind: 'full' });
    expect(decideRange('bytes=0-3', 10)).to.deep.equal({ kind: 'partial', start: 0, end: 3 });
    expect(decideRange('bytes=-3', 10)).to.deep.equal({ kind: 'partial', start: 7, end: 9 });
    expect(decideRange('bytes=-30', 10)).to.deep.equal({ kind: 'partial', start: 0, end: 9 });
    expect(decideRange('bytes=4-', 10)).to.deep.equal({ kind: 'partial', start: 4, end: 9 });
    expect(decideRange('bytes=4-100', 10)).to.deep.equal({ kind: 'partial', start: 4, end: 9 });
    expect(decideRange('bytes=10-', 10)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', 10)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=0-0', 0)).to.deep.equal({ kind: 'unsatisfiable' });
    for (const ignored of ['bytes=0-1,3-4', 'bytes=5-2', 'bytes=-', 'items=0-1', 'bytes=a-b', `bytes=0-${'9'.repeat(30)}`]) {
      expect(decideRange(ignored, 10), ignored).to.deep.equal({ kind: 'full' });
    }
  });

  it('applies If-Range only while the validator matches', () => {
    const lm = new Date(0).toUTCString();
    expect(ifRangeMatches(undefined, '"a"', lm)).to.equal(true);
    expect(ifRangeMatches('"a"', '"a"', lm)).to.equal(true);
    expect(ifRangeMatches('"b"', '"a"', lm)).to.equal(false);
    expect(ifRangeMatches('W/"a"', '"a"', lm)).to.equal(false);
    expect(ifRangeMatches(lm, '"a"', lm)).to.equal(true);
    expect(ifRangeMatches(new Date(1000).toUTCString(), '"a"', lm)).to.equal(false);
  });

  it('keeps any name inside one header line, and it parses back exactly', () => {
    for (const name of ['a"b.txt', 'line\nbreak.txt', 'cr\r\nSet-Cookie: x=1', 'tab\t.txt', 'back\\slash', '😀 中文 é.txt', "semi;colon=x, 'q'", '']) {
      const header = dispositionFor(name, 'attachment');
      expect(header, JSON.stringify(name)).to.match(/^[\x20-\x7e]+$/);
      expect(parse(header).parameters.filename, JSON.stringify(name)).to.equal(name || 'download');
    }
    expect(parse(dispositionFor('x.png', 'inline')).type).to.equal('inline');
  });

  it('previews only raster images and plain text; SVG only as an attachment', () => {
    expect(previewType('a.PNG')).to.deep.equal({ contentType: 'image/png', inline: true });
    expect(previewType('a.jpg')).to.deep.equal({ contentType: 'image/jpeg', inline: true });
    expect(previewType('a.webp')).to.deep.equal({ contentType: 'image/webp', inline: true });
    expect(previewType('a.gif')).to.deep.equal({ contentType: 'image/gif', inline: true });
    expect(previewType('notes.txt')).to.deep.equal({ contentType: 'text/plain; charset=utf-8', inline: true });
    expect(previewType('readme.md')).to.deep.equal({ contentType: 'text/plain; charset=utf-8', inline: true });
    expect(previewType('d.svg')).to.deep.equal({ contentType: 'image/svg+xml', inline: false });
    expect(previewType('d.svgz')).to.deep.equal({ contentType: 'image/svg+xml', inline: false });
    for (const n of ['a.html', 'a.htm', 'a.js', 'a.xml', 'a.pdf', 'a.xhtml', 'noext']) expect(previewType(n), n).to.equal(undefined);
  });
});
