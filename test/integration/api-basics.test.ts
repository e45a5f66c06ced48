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

  it('answers a wrong method on a route with 405 METHOD_NOT_ALLOWED and Allow', async () => {
    const res = await api(srv.baseUrl, 'DELETE', '/api/health');
    expect([res.status, res.body.error.code]).to.deep.equal([405, 'METHOD_NOT_ALLOWED']);
    expect(res.headers.get('allow')).to.equal('HEAD, GET');
    expect(res.body.error.message).to.contain('DELETE');
  });

  it('answers OPTIONS on a route with 204 and Allow', async () => {
    const res = await api(srv.baseUrl, 'OPTIONS', '/api/health');
    expect([res.status, res.headers.get('allow')]).to.deep.equal([204, 'HEAD, GET']);
  });

  it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE and a gzip body with the same', async () => {
    const form = await api(srv.baseUrl, 'POST', '/api/auth/login', { rawBody: 'username=admin', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect([form.status, form.body.error.code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const gzip = await api(srv.baseUrl, 'POST', '/api/auth/login', { rawBody: '{}', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    expect([gzip.status, gzip.body.error.code]).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers an oversized JSON body with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'x'.repeat(2 * 1024 * 1024), password: 'y' } });
    expect([res.status, res.body.error.code]).to.deep.equal([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('lists every error code in the OpenAPI error schema', async () => {
    const doc = await api(srv.baseUrl, 'GET', '/api/openapi.json');
    const health = doc.body.paths['/api/health'].get.responses.default;
    const codes = health.content['application/json'].schema.properties.error.properties.code.enum;
    expect(codes).to.include.members(['UNSUPPORTED_MEDIA_TYPE', 'RANGE_NOT_SATISFIABLE', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'VALIDATION']);
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
