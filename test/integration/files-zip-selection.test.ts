import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDisposition } from 'content-disposition';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, createShare, seed } from '../helpers/files.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

describeEachDb('file API: zip of a selection', (kind) => {
  let srv: TestServer;
  let admin: string;
  let alice: CreatedUser;
  let bob: CreatedUser;
  const tmp = makeTmpDir('nasd-zipsel-');

  before(async function () {
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    } catch {
      // The Debian `unzip` tool reads the archives back; CI installs it, so it is never skipped there.
      if (process.env.CI) throw new Error('the Debian `unzip` tool is required under CI');
      console.log('      (skipped: the Debian `unzip` tool is not installed)');
      this.skip();
    }
    srv = await startTestServer(this, kind);
    admin = (await loginAdmin(srv)).accessToken;
    alice = await createUser(srv, admin, { username: 'alice' });
    bob = await createUser(srv, admin, { username: 'bob' });
    await createShare(srv, admin, 'private', [{ userId: bob.id, access: 'full' }]);
    await createShare(srv, admin, 'readonly', [{ userId: alice.id, access: 'read' }, { userId: bob.id, access: 'write' }]);
    await seed(srv.nasd, actorOf(alice), {
      '/home/trip/': '',
      '/home/trip/a.txt': 'file a',
      '/home/trip/b 😀.txt': 'file b',
      '/home/trip/left-out.txt': 'not chosen',
      '/home/trip/album/': '',
      '/home/trip/album/inner/': '',
      '/home/trip/album/inner/deep.txt': 'deep',
      '/home/trip/album/empty/': '',
      '/home/elsewhere.txt': 'other folder',
    });
    await seed(srv.nasd, actorOf(bob), { '/home/secret.txt': 'bob only', '/private/p.txt': 'private', '/readonly/r.txt': 'readable' });
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  /** POSTs a selection; a 200 is saved and read back with `unzip`, anything else returns its JSON error. */
  async function zipOf(token: string, body: unknown): Promise<{ status: number; filename?: string; members?: string[]; file?: string; error?: { code: string; message: string } }> {
    const res = await fetch(`${srv.baseUrl}/api/files/zip`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) {
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      return { status: res.status, error: ((await res.json()) as { error: { code: string; message: string } }).error };
    }
    expect(res.headers.get('content-type')).to.equal('application/zip');
    const file = path.join(tmp.dir, `${Math.random().toString(36).slice(2)}.zip`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    execFileSync('unzip', ['-tq', file]);
    const members = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').sort();
    return { status: 200, filename: parseDisposition(res.headers.get('content-disposition') as string).parameters.filename, members, file };
  }

  it('zips two files and a folder (recursively) with names relative to their folder', async () => {
    const res = await zipOf(alice.token, { paths: ['/home/trip/b 😀.txt', '/home/trip/album', '/home/trip/a.txt'] });
    expect(res.status).to.equal(200);
    expect(res.filename).to.equal('trip.zip');
    expect(res.members).to.deep.equal(['a.txt', 'album/', 'album/empty/', 'album/inner/', 'album/inner/deep.txt', 'b 😀.txt']);
    expect(execFileSync('unzip', ['-p', res.file as string, 'album/inner/deep.txt']).toString()).to.equal('deep');
    expect(execFileSync('unzip', ['-p', res.file as string, 'b 😀.txt']).toString()).to.equal('file b');
    const wholeHome = await zipOf(alice.token, { paths: ['/home'] });
    expect([wholeHome.status, wholeHome.filename]).to.deep.equal([200, 'files.zip']);
    expect(wholeHome.members).to.include.members(['home/', 'home/elsewhere.txt', 'home/trip/album/inner/deep.txt']);
  });

  it('lets an admin zip a selection in somebody else\'s home and a reader zip from a read-only share', async () => {
    const asAdmin = await zipOf(admin, { paths: ['/homes/alice/trip/a.txt', '/homes/alice/trip/album'] });
    expect([asAdmin.status, asAdmin.filename, asAdmin.members]).to.deep.equal([200, 'trip.zip', ['a.txt', 'album/', 'album/empty/', 'album/inner/', 'album/inner/deep.txt']]);
    const homes = await zipOf(admin, { paths: ['/homes'] });
    expect([homes.status, homes.error?.message]).to.deep.equal([400, '/homes cannot be zipped; choose folders inside a home or a share']);
    const reader = await zipOf(alice.token, { paths: ['/readonly/r.txt'] });
    expect([reader.status, reader.filename, reader.members]).to.deep.equal([200, 'readonly.zip', ['r.txt']]);
  });

  it("refuses other users' homes, forbidden shares and missing entries before any byte, even after allowed ones", async () => {
    const cases: Array<[string[], number[]]> = [
      [['/homes/bob/secret.txt'], [403, 404]],
      [['/home/elsewhere.txt', '/homes/bob/secret.txt'], [403, 404]],
      [['/home/trip/a.txt', '/home/trip/../../homes/bob/secret.txt'], [400]],
      [['/private/p.txt'], [403, 404]],
      [['/private'], [403, 404]],
      [['/home/trip/a.txt', '/home/trip/missing.txt'], [404]],
    ];
    for (const [paths, statuses] of cases) {
      const res = await zipOf(alice.token, { paths });
      expect(res.status, paths.join(' ')).to.be.oneOf(statuses);
      expect(res.error?.message, paths.join(' ')).to.be.a('string').and.not.equal('');
    }
    expect((await zipOf(bob.token, { paths: ['/homes/alice/trip/a.txt'] })).status).to.be.oneOf([403, 404]);
  });

  it('refuses bad selections with a 400 that says what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ paths: [] }, /at least one/],
      [{ paths: Array.from({ length: 1001 }, (_, i) => `/home/trip/f${i}`) }, /at most 1000/],
      [{ paths: ['/home/trip/a.txt', '/home/elsewhere.txt'] }, /one folder/],
      [{ paths: ['/home/trip/a.txt', '/home/trip//a.txt'] }, /twice/],
      [{ paths: ['/'] }, /cannot be zipped/],
      [{ paths: ['/home/../etc/passwd'] }, /./],
      [{ paths: ['/home/trip/a.txt'], extra: true }, /./],
      [{ paths: '/home/trip/a.txt' }, /./],
      [{ paths: [`/home/${'x'.repeat(20_000)}`] }, /too long/],
    ];
    for (const [body, message] of cases) {
      const res = await zipOf(alice.token, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      expect(res.error?.message, JSON.stringify(body).slice(0, 80)).to.match(message);
    }
    const anonymous = await fetch(`${srv.baseUrl}/api/files/zip`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"paths":["/home/trip/a.txt"]}' });
    expect(anonymous.status).to.equal(401);
  });
});
