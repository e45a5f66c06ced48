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
  const seen: Record<string, number> = {};

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

  for (const suite of Object.keys(LITMUS_SUITES)) {
    it(`passes every test of the ${suite} suite and stays up`, async () => {
      seen[suite] = (await expectLitmusSuitePasses(suite, `${srv.baseUrl}/dav/home/`, user.username, user.password, tmp.dir)).passed;
      expect((await dav(srv.baseUrl, 'OPTIONS', '/dav/')).status, 'server alive').to.equal(200);
    });
  }

  it('passes 104/104 in total', () => {
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).to.equal(104);
  });
});
