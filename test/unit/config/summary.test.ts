import { expect } from 'chai';
import { loadConfig, summarizeConfig } from '../../../src/config/index.js';

describe('config summary', () => {
  it('shows the database URL without its password and secrets only as set or not', () => {
    const config = loadConfig({ NASD_DATABASE_URL: 'postgres://nasd:s3cr%40t@db.local:5432/nasd', NASD_METRICS_TOKEN: 'metrics-token-value' });
    const summary = summarizeConfig(config);
    const byName = new Map(summary.map((s) => [s.setting, s]));
    expect(byName.get('databaseUrl')).to.include({ value: 'postgres://nasd:***@db.local:5432/nasd', env: 'NASD_DATABASE_URL', secret: false });
    expect(byName.get('metricsToken')).to.include({ value: true, secret: true });
    expect(JSON.stringify(summary)).to.not.match(/s3cr|metrics-token-value/);
  });
});
