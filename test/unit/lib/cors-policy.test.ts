import { expect } from 'chai';
import { CorsPolicy } from '../../../src/lib/cors-policy.js';

describe('CORS policy', () => {
  it('is closed with no origins: no preflight, no response headers', () => {
    const closed = new CorsPolicy([]);
    for (const o of ['http://evil.example', 'null', '', undefined]) {
      expect(closed.allows(o), String(o)).to.equal(false);
      expect(closed.preflightHeaders(o, ['Authorization'])).to.equal(null);
      expect(closed.responseHeaders(o)).to.deep.equal({});
    }
  });

  it('allows exactly the configured origins (no prefix, suffix or case games), never with credentials', () => {
    const policy = new CorsPolicy(['https://ui.example']);
    expect(policy.allows('https://ui.example')).to.equal(true);
    for (const o of ['https://ui.example.evil', 'https://ui.example:444', 'http://ui.example', 'HTTPS://UI.EXAMPLE', 'https://evil.ui.example']) expect(policy.allows(o), o).to.equal(false);
    const pre = policy.preflightHeaders('https://ui.example', ['Authorization', 'Content-Type'])!;
    expect(pre).to.include({ 'Access-Control-Allow-Origin': 'https://ui.example', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', Vary: 'Origin' });
    expect(pre).to.not.have.property('Access-Control-Allow-Credentials');
  });

  it('trusts for the session cookie: no Origin, the own origin, or a configured one', () => {
    const policy = new CorsPolicy(['https://ui.example']);
    const own = 'http://nas.local:8080';
    expect(policy.trustsOrigin(undefined, own)).to.equal(true);
    expect(policy.trustsOrigin(own, own)).to.equal(true);
    expect(policy.trustsOrigin('https://ui.example', own)).to.equal(true);
    for (const o of ['null', 'http://nas.local:8081', 'http://nas.local', 'https://nas.local:8080']) expect(policy.trustsOrigin(o, own), o).to.equal(false);
  });
});
