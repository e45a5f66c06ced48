import { expect } from 'chai';
import { decodeTarget, hrefFor, resolveUri } from '../../../protocols/webdav/paths.js';
import { parseRange } from '../../../protocols/webdav/preconditions.js';
import { parseTimeout } from '../../../protocols/webdav/methods/lock-unlock.js';

describe('webdav paths, ranges and timeouts', () => {
  it('decodes the request path exactly once and strips the mount', () => {
    expect(decodeTarget('/dav', '/dav')).to.deep.equal({ path: '/', slash: false });
    expect(decodeTarget('/dav/', '/dav')).to.deep.equal({ path: '/', slash: true });
    expect(decodeTarget('/dav/home/a%20b/%C3%A9t%C3%A9.txt?x=1', '/dav')).to.deep.equal({ path: '/home/a b/été.txt', slash: false });
    expect(decodeTarget('/dav/home/%252e%252e/', '/dav')).to.deep.equal({ path: '/home/%2e%2e', slash: true });
    expect(decodeTarget('/dav/home/%2e%2e/x', '/dav').path).to.equal('/home/../x'); // the VFS rejects it
    expect(decodeTarget('/dav/home/50%25.txt', '/dav').path).to.equal('/home/50%.txt');
    expect(decodeTarget('/dav/home/a%252e.txt', '/dav').path).to.equal('/home/a%2e.txt');
    expect(decodeTarget('/dav/home/._./name./name%20', '/dav').path).to.equal('/home/._./name./name ');
  });

  it('refuses a segment that decodes to a slash: a decoded name is never a path', () => {
    for (const bad of ['/dav/home/a%2Fb', '/dav/home/..%2f..%2fetc', '/dav/home/%2f', '/dav/%2Fhome']) {
      expect(() => decodeTarget(bad, '/dav'), bad).to.throw().with.property('code', 'VALIDATION');
    }
  });

  it('rejects invalid percent-encoding and invalid UTF-8 with a validation error', () => {
    for (const bad of ['/dav/%', '/dav/%zz', '/dav/%C3', '/dav/%FF%FE']) {
      expect(() => decodeTarget(bad, '/dav'), bad).to.throw().with.property('code', 'VALIDATION');
    }
    expect(() => decodeTarget('/davx/a', '/dav')).to.throw().with.property('code', 'NOT_FOUND');
  });

  it('encodes hrefs per segment with a slash on collections', () => {
    expect(hrefFor('/dav', '/', true)).to.equal('/dav/');
    expect(hrefFor('/dav', '/home/a b/#x?&', false)).to.equal('/dav/home/a%20b/%23x%3F%26');
    expect(hrefFor('/dav', "/home/it's (1)", true)).to.equal('/dav/home/it%27s%20%281%29/');
    expect(hrefFor('/dav', '/home/日本', false)).to.equal('/dav/home/%E6%97%A5%E6%9C%AC');
  });

  it('resolves Destination URIs on this host only', () => {
    expect(resolveUri('http://h:8080/dav/home/a%20b', 'h:8080', '/dav')).to.deep.equal({ path: '/home/a b', slash: false });
    expect(resolveUri('/dav/home/x/', 'h:8080', '/dav')).to.deep.equal({ path: '/home/x', slash: true });
    expect(resolveUri('http://H:80/dav/x', 'h', '/dav')?.path).to.equal('/x');
    expect(resolveUri('http://other:8080/dav/x', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('http://h:8081/dav/x', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('http://h:8080/api/x', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('http://h:8080/dav/../api', 'h:8080', '/dav')?.path).to.equal('/../api'); // the VFS rejects it
    expect(resolveUri('http://h:8080/dav/home/%2e%2e/x', 'h:8080', '/dav')?.path).to.equal('/home/../x');
    expect(resolveUri('http://h:8080/dav/home/50%25.txt?q#f', 'h:8080', '/dav')?.path).to.equal('/home/50%.txt');
    expect(() => resolveUri('http://h:8080/dav/home/a%2fb', 'h:8080', '/dav')).to.throw().with.property('code', 'VALIDATION');
    expect(resolveUri('http://u@h:8080/dav/x', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('http://h:8080', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('ftp://h:8080/dav/x', 'h:8080', '/dav')).to.equal(null);
    expect(resolveUri('relative/x', 'h:8080', '/dav')).to.equal(null);
  });

  it('parses single byte ranges and refuses unsatisfiable ones', () => {
    expect(parseRange('bytes=0-9', 100)).to.deep.equal({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).to.deep.equal({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).to.deep.equal({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).to.deep.equal({ start: 50, end: 99 });
    expect(parseRange('bytes=-500', 100)).to.deep.equal({ start: 0, end: 99 });
    expect(parseRange(undefined, 100)).to.equal(null);
    expect(parseRange('bytes=0-1,5-6', 100)).to.equal(null);
    expect(parseRange('items=0-1', 100)).to.equal(null);
    expect(parseRange('bytes=9-1', 100)).to.equal(null);
    expect(() => parseRange('bytes=100-', 100)).to.throw().with.property('code', 'RANGE_NOT_SATISFIABLE');
    expect(() => parseRange('bytes=0-', 0)).to.throw().with.property('code', 'RANGE_NOT_SATISFIABLE');
    expect(() => parseRange('bytes=-0', 100)).to.throw().with.property('code', 'RANGE_NOT_SATISFIABLE');
  });

  it('parses Timeout headers with a cap', () => {
    expect(parseTimeout(undefined, 3600, 86400)).to.equal(3600);
    expect(parseTimeout('Second-60', 3600, 86400)).to.equal(60);
    expect(parseTimeout('Infinite, Second-4100000000', 3600, 86400)).to.equal(86400);
    expect(parseTimeout('Second-4100000000', 3600, 86400)).to.equal(86400);
    expect(parseTimeout('bogus', 3600, 86400)).to.equal(3600);
  });
});
