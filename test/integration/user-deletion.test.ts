import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Accounts } from '../../src/services/accounts.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, createShare, seed, snapshot } from '../helpers/files.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

describeEachDb('deleting a user retires their storage', (kind) => {
  let srv: TestServer;
  let admin: string;
  let adminId: number;
  let alice: CreatedUser;
  let bob: CreatedUser;
  let carol: CreatedUser;
  let teamId: number;
  let root: string;

  before(async function () {
    srv = await startTestServer(this, kind);
    root = srv.nasd.config.storageRoot;
    const session = await loginAdmin(srv);
    admin = session.accessToken;
    adminId = session.user.id;
    alice = await createUser(srv, admin, { username: 'alice' });
    bob = await createUser(srv, admin, { username: 'bob' });
    carol = await createUser(srv, admin, { username: 'carol' });
    teamId = await createShare(srv, admin, 'team', [
      { userId: alice.id, access: 'write' },
      { userId: carol.id, access: 'write' },
    ]);
    // The admin created the share; bob owns it.
    expect((await api(srv.baseUrl, 'PATCH', `/api/shares/${teamId}`, { token: admin, body: { ownerId: bob.id } })).status).to.equal(200);
  });
  after(async () => srv?.close());

  const knex = () => srv.nasd.db.knex;
  const del = (id: number, query = '', token = admin) => api(srv.baseUrl, 'DELETE', `/api/users/${id}${query}`, { token });
  const usage = async (scope: 'user' | 'share', id: number) => {
    const row = await knex()('storage_usage').where({ scope, subject_id: id }).first();
    return row ? { bytes: Number(row.bytes), files: Number(row.files) } : undefined;
  };
  const retired = () => (fs.existsSync(path.join(root, '.nasd/retired-homes')) ? fs.readdirSync(path.join(root, '.nasd/retired-homes')) : []);
  const auditOf = async (action: string, target: string) =>
    (await knex()('audit_log').where({ action, target }).orderBy('id')).map((r: { details: string | null; actor_name: string }) => ({
      actor: r.actor_name,
      details: r.details ? JSON.parse(r.details) : null,
    }));

  it('refuses to delete a share owner (409 naming the share) and changes nothing', async () => {
    await seed(srv.nasd, actorOf(bob), { '/home/keep.txt': 'bob keeps this', '/team/bob.txt': 'bob in team' });
    const before = { home: snapshot(path.join(root, 'homes/bob')), usage: await usage('user', bob.id), audit: await knex()('audit_log').count({ n: '*' }).first() };
    const res = await del(bob.id);
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal('CONFLICT');
    expect(res.body.error.message).to.contain('team').and.to.contain('transfer or delete');
    expect((await api(srv.baseUrl, 'GET', `/api/users/${bob.id}`, { token: admin })).status).to.equal(200);
    expect(snapshot(path.join(root, 'homes/bob'))).to.deep.equal(before.home);
    expect(await usage('user', bob.id)).to.deep.equal(before.usage);
    expect(retired()).to.deep.equal([]);
    expect(fs.existsSync(path.join(root, '.nasd/retiring')) ? fs.readdirSync(path.join(root, '.nasd/retiring')) : []).to.deep.equal([]);
    expect(await knex()('audit_log').count({ n: '*' }).first()).to.deep.equal(before.audit);
    expect((await knex()('shares').where('id', teamId).first()).owner_id).to.equal(bob.id);
  });

  it('validates transferSharesTo and the caller', async () => {
    for (const q of [`?transferSharesTo=${bob.id}`, '?transferSharesTo=999999', '?transferSharesTo=abc', '?transferSharesTo=-1', '?transferSharesTo=1&x=1', '?transferSharesTo=0']) {
      const res = await del(bob.id, q);
      expect(res.status, q).to.equal(400);
    }
    expect((await del(bob.id, '', carol.token)).status).to.equal(403);
    expect((await api(srv.baseUrl, 'DELETE', `/api/users/${bob.id}`)).status).to.equal(401);
    expect((await del(999_999)).status).to.equal(404);
    expect((await api(srv.baseUrl, 'GET', `/api/users/${bob.id}`, { token: admin })).status).to.equal(200);
  });

  it('moves the home to retired-homes intact, hands share files to the share owner and drops every storage row', async () => {
    await seed(srv.nasd, actorOf(alice), {
      '/home/docs/': '',
      '/home/docs/a.txt': 'alpha',
      '/home/b.bin': Buffer.alloc(1000, 7),
      '/team/alice.txt': 'from alice',
      '/team/sub/': '',
      '/team/sub/x.txt': 'xyz',
    });
    await srv.nasd.vfs.patchProperties(actorOf(alice), '/home/docs/a.txt', { set: [{ ns: 'urn:t', name: 'tag', xml: 'v' }], remove: [] });
    await srv.nasd.uploads.create(actorOf(alice), 'upload-of-alice', { targetPath: '/home/big.bin', size: 500, metadata: { filename: 'big.bin' } });
    const partFile = path.join(root, '.nasd/uploads/upload-of-alice');
    expect(fs.existsSync(partFile)).to.equal(true);
    expect(Number((await knex()('quota_reservations').where('user_id', alice.id).sum({ n: 'bytes' }).first())?.n)).to.equal(500);

    const homeBefore = snapshot(path.join(root, 'homes/alice'));
    const bobBefore = (await usage('user', bob.id)) as { bytes: number; files: number };
    const shareBefore = await usage('share', teamId);

    expect((await del(alice.id)).status).to.equal(204);

    expect(fs.existsSync(path.join(root, 'homes/alice'))).to.equal(false);
    const kept = retired();
    expect(kept).to.have.length(1);
    expect(kept[0]).to.match(new RegExp(`^alice-${alice.id}-\\d+$`));
    expect(snapshot(path.join(root, '.nasd/retired-homes', kept[0]))).to.deep.equal(homeBefore);
    expect(fs.readdirSync(path.join(root, '.nasd/retiring'))).to.deep.equal([]);

    expect(await knex()('file_owners').where('owner_id', alice.id)).to.deep.equal([]);
    expect(await knex()('file_owners').where('area', 'homes/alice')).to.deep.equal([]);
    expect(await knex()('dead_properties').where('area', 'homes/alice')).to.deep.equal([]);
    const teamRows = await knex()('file_owners').where('area', 'shares/team').orderBy('key');
    expect(teamRows.map((r: { key: string; owner_id: number }) => `${r.key}:${r.owner_id}`)).to.deep.equal([
      `shares/team/alice.txt:${bob.id}`,
      `shares/team/bob.txt:${bob.id}`,
      `shares/team/sub:${bob.id}`,
      `shares/team/sub/x.txt:${bob.id}`,
    ]);
    expect(await usage('user', bob.id)).to.deep.equal({ bytes: bobBefore.bytes + 13, files: bobBefore.files + 2 });
    expect(await usage('share', teamId)).to.deep.equal(shareBefore);
    expect(await usage('user', alice.id)).to.equal(undefined);
    expect(await knex()('quota_reservations').where('user_id', alice.id)).to.deep.equal([]);
    expect(await knex()('tus_uploads').where('user_id', alice.id)).to.deep.equal([]);
    expect(await knex()('share_acl').where('user_id', alice.id)).to.deep.equal([]);
    expect(fs.existsSync(partFile)).to.equal(false);

    const listing = await api(srv.baseUrl, 'GET', '/api/files/list?path=/team', { token: bob.token });
    expect(listing.body.items.find((e: { name: string }) => e.name === 'alice.txt')).to.include({ owner: 'bob', ownerId: bob.id });

    expect(await auditOf('user.delete', 'alice')).to.have.length(1);
    const [retire] = await auditOf('home.retire', '/homes/alice');
    expect(retire.actor).to.equal('admin');
    expect(retire.details).to.include({ userId: alice.id, retiredTo: `.nasd/retired-homes/${kept[0]}`, files: 2, bytes: 1005, uploadsCancelled: 1 });
    const [reassign] = await auditOf('file.reassign', '/team');
    expect(reassign.details).to.deep.equal({ fromUserId: alice.id, toUserId: bob.id, files: 2, bytes: 13 });
  });

  it('gives a new account of the same name an empty home', async () => {
    const again = await createUser(srv, admin, { username: 'alice' });
    expect(again.id).to.not.equal(alice.id);
    const home = await api(srv.baseUrl, 'GET', '/api/files/list?path=/home', { token: again.token });
    expect(home.status).to.equal(200);
    expect(home.body.items).to.deep.equal([]);
    expect((await api(srv.baseUrl, 'GET', '/api/files/stat?path=/home/docs/a.txt', { token: again.token })).status).to.equal(404);
    expect((await api(srv.baseUrl, 'GET', '/api/usage', { token: again.token })).body).to.include({ usedBytes: 0, files: 0, reservedBytes: 0 });
    expect(await srv.nasd.vfs.getProperties(actorOf(again), '/home')).to.deep.equal([]);
    expect((await api(srv.baseUrl, 'GET', '/api/files/list?path=/team', { token: again.token })).status).to.equal(404);
  });

  it("drops the WebDAV locks in the deleted user's home, so a new user of that name is not blocked", async () => {
    const gina = await createUser(srv, admin, { username: 'gina' });
    const auth = `Basic ${Buffer.from(`gina:${gina.password}`).toString('base64')}`;
    const lockBody = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';
    const locked = await fetch(`${srv.baseUrl}/dav/home/locked.txt`, { method: 'LOCK', headers: { Authorization: auth, 'Content-Type': 'application/xml', Timeout: 'Second-3600' }, body: lockBody });
    expect(locked.status).to.be.oneOf([200, 201]);
    expect(await knex()('webdav_locks').where('lock_key', 'like', 'homes/gina/%')).to.have.length(1);
    expect((await del(gina.id)).status).to.equal(204);
    expect(await knex()('webdav_locks').where('lock_key', 'like', 'homes/gina%')).to.deep.equal([]);
  });

  it('transfers the shares of a deleted owner with transferSharesTo, with their files', async () => {
    const carolBefore = (await usage('user', carol.id)) ?? { bytes: 0, files: 0 };
    const res = await del(bob.id, `?transferSharesTo=${carol.id}`);
    expect(res.status).to.equal(204);
    expect((await knex()('shares').where('id', teamId).first()).owner_id).to.equal(carol.id);
    const rows = await knex()('file_owners').where('area', 'shares/team');
    expect(rows.map((r: { owner_id: number }) => r.owner_id)).to.satisfy((ids: number[]) => ids.length === 4 && ids.every((id) => id === carol.id));
    // bob's own file and the two he inherited from alice: 11 + 13 bytes.
    expect(await usage('user', carol.id)).to.deep.equal({ bytes: carolBefore.bytes + 24, files: carolBefore.files + 3 });
    const [transfer] = await auditOf('share.update', '/team').then((a) => a.filter((e) => e.details?.reason === 'owner deleted'));
    expect(transfer.details).to.include({ fromUserId: bob.id, toUserId: carol.id });
    expect(retired().filter((n) => n.startsWith(`bob-${bob.id}-`))).to.have.length(1);
  });

  it('puts the home back when the deletion fails after the home was staged', async () => {
    const dave = await createUser(srv, admin, { username: 'dave' });
    await seed(srv.nasd, actorOf(dave), { '/home/d.txt': 'dave data' });
    const before = snapshot(path.join(root, 'homes/dave'));
    const failingUsers = {
      remove: (id: number, _ctx: unknown, hook: (trx: unknown, user: unknown) => Promise<void>) =>
        knex().transaction(async (trx) => {
          await hook(trx, { id, username: 'dave' });
          expect(fs.existsSync(path.join(root, 'homes/dave'))).to.equal(false);
          throw new Error('the database went away');
        }),
    };
    const accounts = new Accounts(failingUsers as never, srv.nasd.vfs.retirement);
    let failure: unknown;
    await accounts.remove(dave.id, actorOf({ id: adminId, username: 'admin' }, true)).catch((err: unknown) => (failure = err));
    expect((failure as Error).message).to.equal('the database went away');
    expect(snapshot(path.join(root, 'homes/dave'))).to.deep.equal(before);
    expect(await knex()('file_owners').where('area', 'homes/dave')).to.have.length(1);
    expect(await usage('user', dave.id)).to.deep.equal({ bytes: 9, files: 1 });
    expect(await auditOf('home.retire', '/homes/dave')).to.deep.equal([]);
  });

  it('finishes deletions a crashed process left half done, and leaves live processes alone', async () => {
    const erin = await createUser(srv, admin, { username: 'erin' });
    const fred = await createUser(srv, admin, { username: 'fred' });
    await seed(srv.nasd, actorOf(erin), { '/home/e.txt': 'erin' });
    await seed(srv.nasd, actorOf(fred), { '/home/f.txt': 'fred' });
    const retiring = path.join(root, '.nasd/retiring');
    fs.mkdirSync(retiring, { recursive: true });
    const dead = '0b9f7a52-0000-4000-8000-00000000dead';
    const live = '0b9f7a52-0000-4000-8000-0000000a11fe';
    // Any interleaving with the server's own periodic reclaim ends in the same state.
    await knex()('nasd_instances').insert({ id: live, host: 'another-host', pid: 1, started_at: Date.now(), heartbeat_at: Date.now() });
    // fred: the deletion committed → his home goes on to retired-homes.
    await knex()('users').where('id', fred.id).delete();
    fs.renameSync(path.join(root, 'homes/fred'), path.join(retiring, `${dead}_fred-${fred.id}-2000`));
    // erin: the deletion never committed (she still exists) → her home goes back.
    fs.renameSync(path.join(root, 'homes/erin'), path.join(retiring, `${dead}_erin-${erin.id}-1000`));
    // A live process's deletion in progress is not touched.
    fs.mkdirSync(path.join(retiring, `${live}_erin-${erin.id}-3000`));

    await srv.nasd.vfs.reclaim();
    expect(fs.readFileSync(path.join(root, 'homes/erin/e.txt'), 'utf8')).to.equal('erin');
    expect(fs.readFileSync(path.join(root, `.nasd/retired-homes/fred-${fred.id}-2000/f.txt`), 'utf8')).to.equal('fred');
    expect(fs.existsSync(path.join(root, 'homes/fred'))).to.equal(false);
    expect(fs.readdirSync(retiring)).to.deep.equal([`${live}_erin-${erin.id}-3000`]);
    fs.rmdirSync(path.join(retiring, `${live}_erin-${erin.id}-3000`));
    await knex()('nasd_instances').where('id', live).delete();
  });
});
