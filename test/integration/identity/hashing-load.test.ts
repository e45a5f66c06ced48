import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { dav } from '../../helpers/webdav.js';

// One bcrypt at a time, 64 waiting per lane, a real cost (11) so checks take a while, no Basic
// cache: every request below needs a password check. Throttle limits are the defaults. The queue
// is long enough that the flood still has seconds of hashing left when the owner's PUT is served,
// even on a loaded machine.
describeEachDb('identity: bounded password hashing under load', (kind) => {
  let srv: TestServer;
  let lena: CreatedUser;
  const HOME = '198.51.100.50';

  before(async function () {
    srv = await startTestServer(this, kind, { trustProxy: true, auth: { bcryptCost: 11, hashConcurrency: 1, hashQueueLength: 64, basicCacheSeconds: 0 } });
    const adminToken = (await loginAdmin(srv)).accessToken;
    lena = await createUser(srv, adminToken, { username: 'lena' });
    const first = await dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: ['lena', lena.password], headers: { Depth: '0', 'X-Forwarded-For': HOME } });
    expect(first.status).to.equal(207);
  });
  after(async () => srv?.close());

  it('sheds 300 concurrent bad Basic logins from 300 addresses with 429 + Retry-After while a legit PUT completes', async () => {
    const stats = srv.nasd.identity.hashingStats();
    let floodDone = 0;
    const flood = Array.from({ length: 300 }, (_, i) =>
      dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: [`bot${i}`, `guess-${i}-password`], headers: { Depth: '0', 'X-Forwarded-For': `10.66.${i >> 8}.${i & 255}` } }).then((r) => {
        floodDone++;
        return r;
      }),
    );
    // the flood first fills the normal lane (a bounded wait for that state, not a timing assertion)
    for (let i = 0; i < 2000 && srv.nasd.identity.hashingStats().queued < 64; i++) await new Promise((r) => setTimeout(r, 5));
    expect(srv.nasd.identity.hashingStats().queued).to.equal(64);
    const put = await dav(srv.baseUrl, 'PUT', '/dav/home/during-flood.txt', { auth: ['lena', lena.password], headers: { 'X-Forwarded-For': HOME }, body: 'hello!' });
    const floodDoneAtPut = floodDone;
    const answers = await Promise.all(flood);

    expect(put.status).to.equal(201);
    // the owner's check went ahead of the queued flood: it finished while flood checks were still waiting
    expect(floodDoneAtPut).to.be.below(300);
    const counts: Record<number, number> = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    expect(Object.keys(counts).sort()).to.deep.equal(['401', '429']);
    expect(counts[429]).to.be.greaterThan(0);
    for (const a of answers.filter((x) => x.status === 429)) expect(a.headers['retry-after']).to.equal('1');
    const after = srv.nasd.identity.hashingStats();
    expect(after.peakRunning).to.equal(1);
    expect(after.shed - stats.shed).to.equal(counts[429]);
    expect(after.completed - stats.completed).to.equal(counts[401] + 1);
  });

  it('merges 100 concurrent identical valid Basic checks instead of hashing each (and does not throttle them)', async () => {
    const before = srv.nasd.identity.hashingStats().completed;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: ['lena', lena.password], headers: { Depth: '0', 'X-Forwarded-For': HOME } })),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 207)).to.deep.equal([]);
    expect(srv.nasd.identity.hashingStats().completed - before).to.be.at.most(50);
  });
});
