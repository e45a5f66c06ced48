import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';
import { connectionCapWithin, openFilesLimit } from '../../../src/lib/fd-limit.js';
import { makeTmpDir } from '../../helpers/tmp.js';

describe('connection limits: settings and the open-files bound', () => {
  const tmp = makeTmpDir();
  after(() => tmp.remove());

  it('reads the soft open-files limit from a /proc limits file', () => {
    const file = path.join(tmp.dir, 'limits');
    fs.writeFileSync(file, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n');
    expect(openFilesLimit(file)).to.equal(256);
    fs.writeFileSync(file, 'Max open files            unlimited            unlimited            files\n');
    expect(openFilesLimit(file)).to.equal(null);
    expect(openFilesLimit(path.join(tmp.dir, 'absent'))).to.equal(null);
    expect(openFilesLimit()).to.be.a('number');
  });

  it('keeps the connection cap below the descriptor limit, with room for everything else', () => {
    expect(connectionCapWithin(4096, 256)).to.equal(192);
    expect(connectionCapWithin(4096, 1_048_576)).to.equal(4096);
    expect(connectionCapWithin(100, 1024)).to.equal(100);
    expect(connectionCapWithin(0, 1000)).to.equal(800);
    expect(connectionCapWithin(4096, null)).to.equal(4096);
    expect(connectionCapWithin(4096, 20)).to.equal(16);
  });

  it('takes the caps and timeouts from the documented environment variables', () => {
    const config = loadConfig({ NASD_MAX_CONNECTIONS: '300', NASD_MAX_CONNECTIONS_PER_ADDRESS: '20', NASD_HEADERS_TIMEOUT: '5', NASD_IDLE_TIMEOUT: '30' });
    expect(config.http).to.include({ maxConnections: 300, maxConnectionsPerAddress: 20, headersTimeoutSeconds: 5, idleTimeoutSeconds: 30 });
    expect(loadConfig({}).http).to.include({ maxConnections: 4096, maxConnectionsPerAddress: 512, headersTimeoutSeconds: 20, idleTimeoutSeconds: 120 });
    expect(() => loadConfig({ NASD_HEADERS_TIMEOUT: '0' })).to.throw(/NASD_HEADERS_TIMEOUT/);
  });
});
