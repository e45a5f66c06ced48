import { expect } from 'chai';
import type { EntryStat } from '../../../src/vfs/index.js';
import { ALLPROP_LIVE, allpropXml, livePropXml } from '../../../protocols/webdav/live-props.js';

const file: EntryStat = {
  path: '/home/a & <b>.txt',
  name: 'a & <b>.txt',
  type: 'file',
  size: 4096,
  mtimeMs: 1_700_000_000_123,
  birthtimeMs: 1_699_999_999_456,
  ownerId: 1,
  etag: '"1f-1000-60a1b2c3"',
  virtual: false,
};
const folder: EntryStat = { ...file, path: '/home/docs', name: 'docs', type: 'directory', size: 0, etag: '"2a-0-60a1b2c4"' };

function oneByOne(e: EntryStat, lockXml: string): string {
  return ALLPROP_LIVE.map((name) => livePropXml(name, e, { lockXml }) ?? '').join('');
}

describe('WebDAV allprop live properties', () => {
  it('builds exactly what the properties one by one give, for files, folders, locks and odd names', () => {
    const lock = '<D:activelock><D:locktype><D:write/></D:locktype></D:activelock>';
    for (const e of [file, folder, { ...file, etag: 'W/"weak&tag"' }, { ...file, name: '.hidden', mtimeMs: 0, birthtimeMs: 0 }]) {
      for (const lockXml of ['', lock]) expect(allpropXml(e, { lockXml })).to.equal(oneByOne(e, lockXml));
    }
  });

  it('formats each entry by its own times when consecutive entries differ (no stale cached date)', () => {
    const a = allpropXml(file, { lockXml: '' });
    const b = allpropXml({ ...file, mtimeMs: file.mtimeMs + 1000, birthtimeMs: file.birthtimeMs + 1 }, { lockXml: '' });
    expect(a).to.include(new Date(file.mtimeMs).toUTCString()).and.include(new Date(file.birthtimeMs).toISOString());
    expect(b).to.include(new Date(file.mtimeMs + 1000).toUTCString()).and.include(new Date(file.birthtimeMs + 1).toISOString());
    expect(a).to.include('<D:getetag>&quot;1f-1000-60a1b2c3&quot;</D:getetag>');
  });
});
