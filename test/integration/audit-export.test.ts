import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const HEADER = 'id,time,user,action,target,outcome,protocol,address,details';

/** Splits RFC 4180 text into records of cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') record.push(cell), records.push(record), (record = []), (cell = ''), i++;
    else cell += c;
  }
  if (cell || record.length) throw new Error(`CSV does not end with CRLF: ${JSON.stringify(text.slice(-40))}`);
  return records;
}

describeEachDb('audit export (GET /api/audit.csv) and the protocol filter', (kind) => {
  let srv: TestServer;
  let admin: string;
  let rae: CreatedUser;

  const csv = (query = '', token: string | null = admin) => api(srv.baseUrl, 'GET', `/api/audit.csv${query}`, { token: token ?? undefined });
  const list = async (query: string) => {
    const res = await api(srv.baseUrl, 'GET', `/api/audit${query}${query ? '&' : '?'}limit=500`, { token: admin });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as Array<{ id: number; action: string; outcome: string; actorName: string | null; protocol: string; at: number }>;
  };
  /** The data rows of an export (header checked), as arrays of cells. */
  const rowsOf = async (query: string) => {
    const res = await csv(query);
    expect(res.status, String(res.body)).to.equal(200);
    const records = parseCsv(res.body as string);
    expect(records[0].join(',')).to.equal(HEADER);
    return records.slice(1);
  };

  before(async function () {
    srv = await startTestServer(this, kind);
    admin = (await loginAdmin(srv)).accessToken;
    rae = await createUser(srv, admin, { username: 'rae' });
    await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'rae', password: 'wrong-password-1' } });
    await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'rae', password: 'wrong-password-2' } });
    const created = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: rae.token, body: { name: 'laptop', password: rae.password } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await srv.nasd.audit.record({
      actor: { id: null, name: '=HYPERLINK("http://evil")' },
      protocol: 'webdav',
      action: 'test.escape',
      target: 'a,b "quoted"\r\nsecond line',
      outcome: 'failure',
      address: '@127.0.0.1',
      details: { note: '+1' },
    });
    await srv.nasd.audit.record({ protocol: 'smb', action: 'test.formula', target: '-2+3', outcome: 'success', address: null });
  });
  after(async () => srv?.close());

  it('is for administrators only: 401 without or with a bad token, 403 for a user', async () => {
    expect((await csv('', null)).status).to.equal(401);
    expect((await csv('', 'not-a-token')).status).to.equal(401);
    const asUser = await csv('', rae.token);
    expect(asUser.status).to.equal(403);
    expect(asUser.body.error.code).to.equal('FORBIDDEN');
    expect((await list('?action=audit.export')).filter((e) => e.actorName === 'rae')).to.have.length(0);
  });

  it('answers text/csv as a download with the header row and CRLF line ends', async () => {
    const res = await csv();
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/csv; charset=utf-8$/);
    expect(res.headers.get('content-disposition')).to.match(/^attachment; filename="nasd-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const text = res.body as string;
    expect(text.startsWith(`${HEADER}\r\n`)).to.equal(true);
    expect(text.endsWith('\r\n')).to.equal(true);
  });

  it('quotes cells with commas, quotes and line breaks, doubles quotes, and defuses formulas with a leading \'', async () => {
    const text = (await csv('?action=test.escape')).body as string;
    expect(text).to.include(`,"'=HYPERLINK(""http://evil"")",test.escape,"a,b ""quoted""\r\nsecond line",failure,webdav,'@127.0.0.1,"{""note"":""+1""}"\r\n`);
    const [row] = await rowsOf('?action=test.escape');
    expect(row.slice(2)).to.deep.equal(["'=HYPERLINK(\"http://evil\")", 'test.escape', 'a,b "quoted"\r\nsecond line', 'failure', 'webdav', "'@127.0.0.1", '{"note":"+1"}']);
    expect(new Date(row[1]).toISOString()).to.equal(row[1]);
    const [formula] = await rowsOf('?action=test.formula');
    expect(formula.slice(2)).to.deep.equal(['', 'test.formula', "'-2+3", 'success', 'smb', '', '']);
  });

  it('exports exactly the entries the list shows for the same filters, newest first', async () => {
    const from = (await list('?action=user.create'))[0].at;
    const filters = ['', '?actor=rae', '?action=auth.', '?action=auth.login&outcome=failure', '?outcome=success&protocol=api', '?protocol=system', '?protocol=webdav', `?from=${from}&to=${Date.now() + 60_000}`, `?to=${from - 1}`];
    for (const filter of filters) {
      const maxId = (await list(''))[0].id; // the exports below add their own entries, which the list must not see
      const expected = (await list(filter)).filter((e) => e.id <= maxId);
      const rows = await rowsOf(filter);
      expect(rows.map((r) => Number(r[0])), filter || 'no filter').to.deep.equal(expected.map((e) => e.id));
    }
    const failures = await rowsOf('?action=auth.login&outcome=failure');
    expect(failures).to.have.length(2);
    expect(failures.every((r) => r[3] === 'auth.login' && r[4] === 'rae' && r[5] === 'failure' && r[6] === 'api')).to.equal(true);
    expect(await rowsOf(`?from=${Date.now() + 3_600_000}`)).to.have.length(0);
  });

  it('matches an action prefix with an underscore literally', async () => {
    const items = await list('?action=auth.app_password');
    expect(items.map((e) => e.action)).to.deep.equal(['auth.app_password.create']);
    expect((await rowsOf('?action=auth.app_password')).map((r) => r[3])).to.deep.equal(['auth.app_password.create']);
    expect(await list('?action=auth.app%25')).to.have.length(0); // % is a character, not a wildcard
    expect(await list('?action=auth.app_')).to.have.length(1);
    expect(await list('?action=auth.appXpassword')).to.have.length(0);
    expect(await list('?action=auth.app%5C')).to.have.length(0); // so is a backslash
  });

  it('filters the list by protocol; system also matches entries recorded without one', async () => {
    const webdav = await list('?protocol=webdav');
    expect(webdav.map((e) => e.action)).to.deep.equal(['test.escape']);
    expect((await list('?protocol=smb')).map((e) => e.action)).to.deep.equal(['test.formula']);
    const system = await list('?protocol=system');
    expect(system.some((e) => e.action === 'user.create')).to.equal(true);
    expect(system.every((e) => e.protocol === 'system')).to.equal(true);
    const apiOnly = await list('?protocol=api');
    expect(apiOnly.length).to.be.greaterThan(3);
    expect(apiOnly.every((e) => e.protocol === 'api')).to.equal(true);
    expect(await list('?protocol=tus')).to.have.length(0);
  });

  it('audits each export as audit.export with its filters and row count', async () => {
    const before = (await list('?action=audit.export')).length;
    const rows = await rowsOf('?action=auth.login&outcome=failure');
    const exports = await list('?action=audit.export');
    expect(exports).to.have.length(before + 1);
    const [last] = await api(srv.baseUrl, 'GET', '/api/audit?action=audit.export&limit=1', { token: admin }).then((r) => r.body.items);
    expect(last).to.include({ action: 'audit.export', outcome: 'success', actorName: 'admin', protocol: 'api' });
    expect(last.details).to.deep.equal({ action: 'auth.login', outcome: 'failure', rows: rows.length });
    expect(last.address).to.match(/127\.0\.0\.1$/);
  });

  it('rejects bad filters and paging parameters with 400', async () => {
    for (const q of ['?outcome=maybe', '?protocol=ftp', '?from=yesterday', '?to=-1', '?limit=10', '?offset=0', '?sort=id', `?action=${'a'.repeat(65)}`, '?actor=']) {
      const res = await csv(q);
      expect(res.status, q).to.equal(400);
      expect(res.body.error.code, q).to.equal('VALIDATION');
    }
    for (const q of ['?protocol=ftp', '?protocol=']) expect((await api(srv.baseUrl, 'GET', `/api/audit${q}`, { token: admin })).status, q).to.equal(400);
  });
});
