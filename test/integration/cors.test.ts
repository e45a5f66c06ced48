import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ALLOWED = 'https://ui.example';
const FOREIGN = 'http://evil.example';

function preflight(baseUrl: string, path: string, origin: string, method = 'PATCH', headers = 'authorization, tus-resumable, upload-offset, content-type'): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers } });
}

/** A tus creation request (POST) from `origin`; returns the response. */
function tusCreate(baseUrl: string, token: string, origin: string): Promise<Response> {
  return fetch(`${baseUrl}/api/uploads/`, {
    method: 'POST',
    headers: { Origin: origin, Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', 'Upload-Metadata': `filename ${Buffer.from(`cors-${Date.now()}-${Math.random()}.txt`).toString('base64')}` },
  });
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-allow'));

describeEachDb('CORS: one policy for the API, the UI and tus', (kind) => {
  describe('NASD_CORS_ORIGINS empty (closed)', () => {
    let srv: TestServer;
    let token: string;
    before(async function () {
      srv = await startTestServer(this, kind);
      token = (await loginAdmin(srv)).accessToken;
    });
    after(async () => srv?.close());

    it('tus: a preflight from any origin gets no Access-Control-Allow-* header', async () => {
      for (const method of ['POST', 'PATCH', 'DELETE', 'HEAD']) {
        const res = await preflight(srv.baseUrl, '/api/uploads/abc', FOREIGN, method);
        expect(res.status).to.be.lessThan(500);
        expect(corsHeaders(res), method).to.deep.equal([]);
      }
    });

    it('tus: actual responses (created upload, 401, 412) carry no Access-Control-Allow-Origin', async () => {
      const created = await tusCreate(srv.baseUrl, token, FOREIGN);
      expect(created.status).to.equal(201);
      expect(created.headers.get('access-control-allow-origin')).to.equal(null);
      const anonymous = await fetch(`${srv.baseUrl}/api/uploads/`, { method: 'POST', headers: { Origin: FOREIGN, 'Tus-Resumable': '1.0.0', 'Upload-Length': '1' } });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.headers.get('access-control-allow-origin')).to.equal(null);
      const noVersion = await fetch(`${srv.baseUrl}/api/uploads/`, { method: 'POST', headers: { Origin: FOREIGN, Authorization: `Bearer ${token}` } });
      expect(noVersion.status).to.equal(412);
      expect(noVersion.headers.get('access-control-allow-origin')).to.equal(null);
      expect(corsHeaders(noVersion)).to.deep.equal([]);
    });

    it('tus: a plain OPTIONS (protocol discovery) still answers the tus capabilities', async () => {
      const res = await fetch(`${srv.baseUrl}/api/uploads/`, { method: 'OPTIONS' });
      expect(res.status).to.equal(204);
      expect(res.headers.get('tus-version')).to.contain('1.0.0');
      expect(res.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('API and UI: no CORS headers for any origin', async () => {
      for (const path of ['/api/health', '/api/auth/login', '/']) {
        expect(corsHeaders(await preflight(srv.baseUrl, path, FOREIGN, 'POST', 'content-type')), path).to.deep.equal([]);
        expect(corsHeaders(await fetch(`${srv.baseUrl}${path}`, { headers: { Origin: FOREIGN } })), path).to.deep.equal([]);
      }
    });
  });

  describe(`NASD_CORS_ORIGINS=${ALLOWED}`, () => {
    let srv: TestServer;
    let token: string;
    before(async function () {
      srv = await startTestServer(this, kind, { http: { corsOrigins: [ALLOWED] } });
      token = (await loginAdmin(srv)).accessToken;
    });
    after(async () => srv?.close());

    it('tus: allows a preflight from that origin only, with the tus headers and no credentials', async () => {
      const ok = await preflight(srv.baseUrl, '/api/uploads/abc', ALLOWED);
      expect(ok.status).to.equal(204);
      expect(ok.headers.get('access-control-allow-origin')).to.equal(ALLOWED);
      expect(ok.headers.get('access-control-allow-methods')).to.contain('PATCH');
      expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).to.contain('upload-offset');
      expect(ok.headers.get('access-control-allow-credentials')).to.equal(null);
      const foreign = await preflight(srv.baseUrl, '/api/uploads/abc', FOREIGN);
      expect(corsHeaders(foreign)).to.deep.equal([]);
    });

    it('tus: names that origin (and no other) on actual responses', async () => {
      const ok = await tusCreate(srv.baseUrl, token, ALLOWED);
      expect(ok.status).to.equal(201);
      expect(ok.headers.get('access-control-allow-origin')).to.equal(ALLOWED);
      expect(ok.headers.get('access-control-expose-headers')?.toLowerCase()).to.contain('location');
      const anonymous = await fetch(`${srv.baseUrl}/api/uploads/`, { method: 'POST', headers: { Origin: ALLOWED, 'Tus-Resumable': '1.0.0', 'Upload-Length': '1' } });
      expect([anonymous.status, anonymous.headers.get('access-control-allow-origin')]).to.deep.equal([401, ALLOWED]);
      const foreign = await tusCreate(srv.baseUrl, token, FOREIGN);
      expect(foreign.status).to.equal(201);
      expect(foreign.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('API: the same origin is allowed, others are not', async () => {
      const ok = await preflight(srv.baseUrl, '/api/shares', ALLOWED, 'POST', 'authorization, content-type');
      expect(ok.status).to.equal(204);
      expect(ok.headers.get('access-control-allow-origin')).to.equal(ALLOWED);
      expect(ok.headers.get('access-control-allow-credentials')).to.equal(null);
      expect((await fetch(`${srv.baseUrl}/api/health`, { headers: { Origin: ALLOWED } })).headers.get('access-control-allow-origin')).to.equal(ALLOWED);
      expect(corsHeaders(await preflight(srv.baseUrl, '/api/shares', FOREIGN, 'POST'))).to.deep.equal([]);
      expect(corsHeaders(await fetch(`${srv.baseUrl}/api/health`, { headers: { Origin: FOREIGN } }))).to.deep.equal([]);
    });
  });
});
