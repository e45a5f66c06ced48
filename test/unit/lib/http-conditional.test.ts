import { expect } from 'chai';
import { isNotModified } from '../../../src/lib/http-conditional.js';

describe('file API: conditional GET (If-None-Match, If-Modified-Since)', () => {
  const etag = '"1a-5-3e8"';
  const mtimeMs = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  const lastModified = new Date(mtimeMs).toUTCString();

  it('matches If-None-Match weakly against a list of tags or *', () => {
    expect(isNotModified({ ifNoneMatch: etag }, etag, mtimeMs)).to.equal(true);
    expect(isNotModified({ ifNoneMatch: `W/${etag}` }, etag, mtimeMs)).to.equal(true);
    expect(isNotModified({ ifNoneMatch: `"other", ${etag}` }, etag, mtimeMs)).to.equal(true);
    expect(isNotModified({ ifNoneMatch: '*' }, etag, mtimeMs)).to.equal(true);
    for (const miss of ['"other"', '"1a-5-3e9"', '1a-5-3e8', 'W/', '""', '"1a-5-3e8', ' , ']) {
      expect(isNotModified({ ifNoneMatch: miss }, etag, mtimeMs), miss).to.equal(false);
    }
  });

  it('ignores If-Modified-Since when If-None-Match is present', () => {
    expect(isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: lastModified }, etag, mtimeMs)).to.equal(false);
  });

  it('compares If-Modified-Since at the one-second resolution of Last-Modified', () => {
    expect(isNotModified({ ifModifiedSince: lastModified }, etag, mtimeMs)).to.equal(true);
    expect(isNotModified({ ifModifiedSince: new Date(mtimeMs + 60_000).toUTCString() }, etag, mtimeMs)).to.equal(true);
    expect(isNotModified({ ifModifiedSince: new Date(mtimeMs - 1000).toUTCString() }, etag, mtimeMs)).to.equal(false);
    expect(isNotModified({ ifModifiedSince: 'Tuesday, 02-Jan-24 03:04:05 GMT' }, etag, mtimeMs)).to.equal(true);
    for (const bad of ['yesterday', '0', '2024-01-02T03:04:05Z', 'Tue Jan  2 03:04:05 2024', `${lastModified}, ${lastModified}`, '']) {
      expect(isNotModified({ ifModifiedSince: bad }, etag, mtimeMs), bad).to.equal(false);
    }
  });

  it('sends the full response without validators', () => {
    expect(isNotModified({}, etag, mtimeMs)).to.equal(false);
  });
});
