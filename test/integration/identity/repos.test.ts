import { expect } from 'chai';
import { openDatabase, type Database } from '../../../src/db/index.js';
import { AppPasswordRepo } from '../../../src/services/identity/app-password-repo.js';
import { RecoveryCodeRepo } from '../../../src/services/identity/recovery-code-repo.js';
import { RefreshTokenRepo, type RefreshTokenRecord } from '../../../src/services/identity/refresh-token-repo.js';
import { UserRepo, type UserRecord } from '../../../src/services/identity/user-repo.js';
import { createPgDatabase, describeEachDb } from '../../helpers/db.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const T0 = 1_800_000_000_000;
/** Beyond int4: PostgreSQL returns int8 as a string unless parsed. */
const BIG = 5 * 2 ** 40;

function newUser(username: string, over: Partial<UserRecord> = {}): Omit<UserRecord, 'id' | 'lastLoginAt'> {
  return {
    username,
    displayName: '',
    email: '',
    role: 'user',
    passwordHash: 'x',
    quotaBytes: null,
    disabled: false,
    totpSecret: null,
    totpEnabled: false,
    totpLastStep: null,
    passwordChangedAt: T0,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

describeEachDb('identity: repositories map rows to records', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let users: UserRepo;

  before(async function () {
    const tmp = makeTmpDir();
    const pg = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    db = await openDatabase(pg?.url, tmp.dir);
    users = new UserRepo(db.knex);
    cleanup = async () => {
      await db.close();
      await pg?.drop();
      tmp.remove();
    };
  });
  after(async () => cleanup?.());

  it('reads users back with booleans, numbers and nulls as written', async () => {
    const created = await users.insert(newUser('ann', { quotaBytes: BIG, disabled: true, role: 'admin', displayName: 'Ann' }));
    expect(created).to.deep.equal({ ...newUser('ann', { quotaBytes: BIG, disabled: true, role: 'admin', displayName: 'Ann' }), id: created.id, lastLoginAt: null });
    expect(await users.byId(created.id)).to.deep.equal(created);
    expect(await users.byUsername('ann')).to.deep.equal(created);
    expect(await users.byUsername('nobody')).to.equal(undefined);
  });

  it('writes the fields a patch sets, nulls included, and leaves the others', async () => {
    const u = await users.insert(newUser('bob', { totpSecret: 's', totpLastStep: BIG, quotaBytes: 10 }));
    const after = await users.updateAndFetch(u.id, { totpSecret: null, totpEnabled: true, quotaBytes: undefined, lastLoginAt: T0 + 1, updatedAt: T0 + 2 });
    expect(after).to.deep.equal({ ...u, totpSecret: null, totpEnabled: true, lastLoginAt: T0 + 1, updatedAt: T0 + 2 });
    expect(await users.updateAndFetch(u.id + 1000, { email: 'e' })).to.equal(undefined);
  });

  it('claims a TOTP step once, and only a later one after it', async () => {
    const u = await users.insert(newUser('cid'));
    expect(await users.claimTotpStep(u.id, 100, { totpSecret: 'v1:new' })).to.equal(true);
    expect(await users.claimTotpStep(u.id, 100)).to.equal(false);
    expect(await users.claimTotpStep(u.id, 99)).to.equal(false);
    expect(await users.claimTotpStep(u.id, 101)).to.equal(true);
    expect(await users.byId(u.id)).to.include({ totpLastStep: 101, totpSecret: 'v1:new' });
  });

  it('lists the enabled administrators, inside a transaction with their rows locked', async () => {
    await users.insert(newUser('dee', { role: 'admin' }));
    await users.insert(newUser('eve', { role: 'admin', disabled: true }));
    const names = await db.knex.transaction(async (trx) => (await users.enabledAdmins(trx, { forUpdate: true })).map((a) => a.username));
    expect(names).to.include('dee');
    expect(names).to.not.include('eve');
    expect(names).to.not.include('bob');
  });

  it('counts, lists by name and removes users', async () => {
    const before = await users.count();
    const u = await users.insert(newUser('aaa'));
    expect(await users.count()).to.equal(before + 1);
    expect((await users.list())[0].username).to.equal('aaa');
    await users.remove(u.id);
    expect(await users.byId(u.id)).to.equal(undefined);
  });

  it('reads app passwords back with smb as a boolean and revokes them', async () => {
    const owner = await users.insert(newUser('fay'));
    const repo = new AppPasswordRepo(db.knex);
    const base = { userId: owner.id, lookupPrefix: 'abcdef', passwordHash: 'h', createdAt: T0, lastUsedAt: null, lastUsedAddress: null, revokedAt: null };
    const phone = await repo.insert({ ...base, name: 'phone', smb: true });
    const laptop = await repo.insert({ ...base, name: 'laptop', smb: false });
    expect(phone).to.deep.equal({ ...base, name: 'phone', smb: true, id: phone.id });
    expect(laptop.smb).to.equal(false);
    await repo.recordUse(laptop.id, T0 + 5, '10.0.0.1');
    expect(await repo.byId(owner.id, laptop.id)).to.include({ lastUsedAt: T0 + 5, lastUsedAddress: '10.0.0.1' });
    expect(await repo.byId(owner.id + 1, laptop.id)).to.equal(undefined);
    expect((await repo.activeWithPrefix(owner.id, 'abcdef')).map((p) => p.name).sort()).to.deep.equal(['laptop', 'phone']);
    await repo.revoke(phone.id, T0 + 6);
    expect((await repo.activeOf(owner.id)).map((p) => p.name)).to.deep.equal(['laptop']);
    expect(await repo.countActive(owner.id)).to.equal(1);
    expect(await repo.revokeAllOf(owner.id, T0 + 7)).to.equal(1);
    expect(await repo.byId(owner.id, laptop.id)).to.include({ revokedAt: T0 + 7 });
  });

  it('keeps refresh tokens and their live sessions per user', async () => {
    const owner = await users.insert(newUser('gus'));
    const repo = new RefreshTokenRepo(db.knex);
    const token = (jti: string, over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
      jti, familyId: 'fam-1', userId: owner.id, tokenHash: `hash-${jti}`, sessionStartedAt: T0, createdAt: T0, expiresAt: T0 + BIG,
      usedAt: null, revokedAt: null, userAgent: null, address: '10.0.0.2', ...over,
    });
    await repo.insert(token('j1'));
    expect(await repo.byTokenHash('hash-j1')).to.deep.equal(token('j1'));
    expect(await repo.claimUse('j1', T0 + 1)).to.equal(true);
    expect(await repo.claimUse('j1', T0 + 2)).to.equal(false);
    await repo.insert(token('j2', { createdAt: T0 + 1 }));
    await repo.insert(token('j3', { familyId: 'fam-2', createdAt: T0 + 2 }));
    expect((await repo.liveOf(owner.id, T0 + 10)).map((t) => t.jti)).to.deep.equal(['j3', 'j2']);
    expect((await repo.liveWithUsername(T0 + 10)).filter((t) => t.userId === owner.id).map((t) => [t.jti, t.username])).to.deep.equal([['j3', 'gus'], ['j2', 'gus']]);
    expect(await repo.liveSessionOwner('fam-1', T0 + 10)).to.deep.equal({ userId: owner.id, username: 'gus' });
    expect(await repo.revokeFamily('fam-1', T0 + 11, owner.id + 1)).to.equal(0);
    expect(await repo.revokeFamily('fam-1', T0 + 11)).to.equal(2);
    expect(await repo.hasUnrevoked('fam-1', owner.id)).to.equal(false);
    expect(await repo.liveSessionOwner('fam-1', T0 + 12)).to.equal(undefined);
    expect(await repo.revokeAllOf(owner.id, T0 + 12, 'fam-2')).to.equal(0);
    expect(await repo.revokeAllOf(owner.id, T0 + 12)).to.equal(1);
    expect(await repo.deleteExpiredBefore(T0 + BIG + 1)).to.equal(3);
  });

  it('replaces recovery codes and uses each once', async () => {
    const owner = await users.insert(newUser('hal'));
    const repo = new RecoveryCodeRepo(db.knex);
    await repo.replace(owner.id, ['a', 'b'], T0);
    expect(await repo.claim(owner.id, 'a', T0 + 1)).to.equal(true);
    expect(await repo.claim(owner.id, 'a', T0 + 2)).to.equal(false);
    expect(await repo.countUnused(owner.id)).to.equal(1);
    await repo.replace(owner.id, ['c', 'd', 'e'], T0 + 3);
    expect(await repo.claim(owner.id, 'b', T0 + 4)).to.equal(false);
    expect(await repo.countUnused(owner.id)).to.equal(3);
  });
});
