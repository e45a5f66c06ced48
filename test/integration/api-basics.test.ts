import { expect } from 'chai';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

describeEachDb('admin API basics', (kind) => {
  let srv: TestServer;
  before(async function () {
    srv = await startTestServer(this, kind);
  });
  after(async () => srv?.close());

  it('answers /api/health with the database kind', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'ok', database: kind });
  });

  it('sets security headers, a request id and keeps CORS closed', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/health', { headers: { Origin: 'http://evil.example' } });
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(res.headers.get('content-security-policy')).to.contain("frame-ancestors 'none'");
    expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('answers unknown API paths with the error shape', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/no-such-thing');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
    expect(res.body.error.message).to.be.a('string');
  });

  it('serves an OpenAPI document and a docs page', async () => {
    const doc = await api(srv.baseUrl, 'GET', '/api/openapi.json');
    expect(doc.status).to.equal(200);
    expect(doc.body.openapi).to.equal('3.1.0');
    expect(doc.body.paths).to.have.property('/api/health');
    const page = await api(srv.baseUrl, 'GET', '/api/docs');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.contain('text/html');
    expect(page.body).to.contain('/api/health');
  });
});
