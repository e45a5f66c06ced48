import { expect } from 'chai';
import path from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/lib/errors.js';

describe('config', () => {
  it('has defaults for the embedded setup', () => {
    const cfg = loadConfig({});
    expect(cfg.port).to.equal(8080);
    expect(cfg.dataDir).to.equal(path.resolve('./data'));
    expect(cfg.storageRoot).to.equal(path.join(cfg.dataDir, 'storage'));
    expect(cfg.databaseUrl).to.equal(undefined);
    expect(cfg.auth.bcryptCost).to.equal(12);
    expect(cfg.auth.accessTokenTtlSeconds).to.equal(900);
    expect(cfg.auth.refreshTokenTtlSeconds).to.equal(7 * 86400);
    expect(cfg.hardware.mode).to.equal('auto');
  });

  it('reads the documented environment variables', () => {
    const cfg = loadConfig({ NASD_HOST: '127.0.0.1', NASD_PORT: '9000', NASD_DATA_DIR: '/tmp/x', NASD_DATABASE_URL: 'postgres://u@h/db', NASD_HW_MODE: 'simulated' });
    expect(cfg).to.include({ host: '127.0.0.1', port: 9000, dataDir: '/tmp/x', databaseUrl: 'postgres://u@h/db' });
    expect(cfg.hardware.mode).to.equal('simulated');
  });

  it('names the setting when a value is bad', () => {
    expect(() => loadConfig({ NASD_PORT: 'eighty' })).to.throw(ConfigError, /NASD_PORT/);
    expect(() => loadConfig({ NASD_PORT: '70000' })).to.throw(ConfigError, /port \(NASD_PORT\)/);
    expect(() => loadConfig({ NASD_DATABASE_URL: 'mysql://x' })).to.throw(ConfigError, /databaseUrl/);
    expect(() => loadConfig({ NASD_HW_MODE: 'fast' })).to.throw(ConfigError, /hardware\.mode/);
  });

  it('rejects unknown settings in overrides and config files', () => {
    expect(() => loadConfig({}, { nope: 1 } as never)).to.throw(ConfigError);
  });
});
