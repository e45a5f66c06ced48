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

  it('reads the alert e-mail settings and refuses an incomplete or malformed e-mail setup', () => {
    const cfg = loadConfig({ NASD_SMTP_URL: 'smtps://mailer:s3cret@mail.example.test:465', NASD_SMTP_FROM: 'nasd@example.test', NASD_ALERT_EMAIL: 'a@example.test, b@example.test', NASD_ALERT_INTERVAL: '30' });
    expect(cfg.alerts).to.include({ smtpUrl: 'smtps://mailer:s3cret@mail.example.test:465', smtpFrom: 'nasd@example.test', evaluateIntervalSeconds: 30 });
    expect(cfg.alerts.email).to.deep.equal(['a@example.test', 'b@example.test']);
    expect(() => loadConfig({ NASD_SMTP_URL: 'smtp://mail.example.test' })).to.throw(ConfigError, /needs all three/);
    expect(() => loadConfig({ NASD_SMTP_URL: 'http://mail.example.test', NASD_SMTP_FROM: 'n@example.test', NASD_ALERT_EMAIL: 'a@example.test' })).to.throw(ConfigError, /NASD_SMTP_URL/);
    expect(() => loadConfig({ NASD_SMTP_URL: 'smtp://mail.example.test', NASD_SMTP_FROM: 'n@example.test', NASD_ALERT_EMAIL: 'not-an-address' })).to.throw(ConfigError, /NASD_ALERT_EMAIL/);
  });

  it('rejects unknown settings in overrides and config files', () => {
    expect(() => loadConfig({}, { nope: 1 } as never)).to.throw(ConfigError);
  });
  it('reads the backup settings: no target by default, keep 7, the whole storage root', () => {
    expect(loadConfig({}).backup).to.deep.equal({ target: undefined, keep: 7, sources: [] });
    const cfg = loadConfig({ NASD_STORAGE_ROOT: '/srv/nas', NASD_BACKUP_TARGET: '/mnt/usb/nasd-backup/', NASD_BACKUP_KEEP: '14', NASD_BACKUP_SOURCES: 'homes, shares/photos' });
    expect(cfg.backup).to.deep.equal({ target: '/mnt/usb/nasd-backup', keep: 14, sources: ['homes', 'shares/photos'] });
    expect(loadConfig({ NASD_STORAGE_ROOT: '/srv/nas', NASD_BACKUP_TARGET: '/srv/nas-backup' }).backup.target).to.equal('/srv/nas-backup');
  });

  it('refuses a backup target inside the storage root, a keep below 1 and sources outside homes and shares', () => {
    for (const target of ['/srv/nas', '/srv/nas/', '/srv/nas/shares/backup', '/srv/nas/.nasd/b', '/srv/x/../nas/homes']) {
      expect(() => loadConfig({ NASD_STORAGE_ROOT: '/srv/nas', NASD_BACKUP_TARGET: target }), target).to.throw(ConfigError, /NASD_BACKUP_TARGET.*inside the storage root \/srv\/nas/);
    }
    expect(() => loadConfig({ NASD_BACKUP_KEEP: '0' })).to.throw(ConfigError, /NASD_BACKUP_KEEP/);
    for (const source of ['.nasd', 'homes/..', 'shares/../..', '/etc', 'homes/a/b', 'photos']) {
      expect(() => loadConfig({ NASD_BACKUP_SOURCES: source }), source).to.throw(ConfigError, /NASD_BACKUP_SOURCES/);
    }
  });
});
