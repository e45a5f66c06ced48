import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { expectLitmusSuitePasses, LITMUS_SUITES, requireLitmus } from '../helpers/litmus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { dav } from '../helpers/webdav.js';

describeEachDb('webdav litmus', (kind) => {
  let srv: TestServer;
  let user: CreatedUser;
  const tmp = makeTmpDir('nasd-litmus-');

  before(async function () {
    requireLitmus(this);
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    user = await createUser(srv, admin.accessToken, { username: 'litmus' });
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  // Each suite's test checks its own count, so every test runs alone; together they make 104/104.
  for (const [suite, count] of Object.entries(LITMUS_SUITES)) {
    it(`passes all ${count} tests of the ${suite} suite and stays up`, async () => {
      await expectLitmusSuitePasses(suite, `${srv.baseUrl}/dav/home/`, user.username, user.password, tmp.dir);
      expect((await dav(srv.baseUrl, 'OPTIONS', '/dav/')).status, 'server alive').to.equal(200);
    });
  }

  it('runs every litmus suite: 104 tests in all', () => {
    expect(Object.values(LITMUS_SUITES).reduce((a, b) => a + b, 0)).to.equal(104);
  });
});
