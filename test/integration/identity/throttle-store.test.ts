import { expect } from 'chai';
import { openDatabase, type Database } from '../../../src/db/index.js';
import { RateLimitedError } from '../../../src/lib/errors.js';
import { LoginThrottle, type ThrottleLimits } from '../../../src/services/identity/throttle.js';
import { createPgDatabase, describeEachDb } from '../../helpers/db.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const LIMITS: ThrottleLimits = { maxFailuresPerAccountAddress: 2, maxFailuresPerAddress: 100, maxFailuresPerAccount: 100, windowSeconds: 60, knownAddressSeconds: 3600 };

describeEachDb('identity: throttle store', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let clock = 1_800_000_000_000;

  before(async function () {
    const tmp = makeTmpDir();
    const pg = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    db = await openDatabase(pg?.url, tmp.dir);
    cleanup = async () => {
      await db.close();
      await pg?.drop();
      tmp.remove();
    };
  });
  after(async () => cleanup?.());

  const throttle = (limits: Partial<ThrottleLimits> = {}) => new LoginThrottle(db.knex, { ...LIMITS, ...limits }, () => clock);

  /** The Retry-After seconds of a refused reservation, or undefined when it was counted. */
  async function refusal(t: LoginThrottle, account: string, address?: string): Promise<number | undefined> {
    try {
      await t.reserve({ account, address });
      return undefined;
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return err.retryAfterSeconds;
    }
  }

  it('counts attempts per account and address in a fixed window shared by every instance, then forgets them', async () => {
    const a = throttle();
    const b = throttle();
    expect(await refusal(a, 'Alice', '10.0.0.1')).to.equal(undefined);
    clock += 10_000;
    expect(await refusal(b, 'alice', '10.0.0.1')).to.equal(undefined);
    expect(await refusal(a, 'alice', '10.0.0.1')).to.equal(50);
    // another address, or another account from that address, is not affected
    expect(await refusal(a, 'alice', '10.0.0.2')).to.equal(undefined);
    expect(await refusal(a, 'bob', '10.0.0.1')).to.equal(undefined);
    clock += 50_000; // the window has ended
    expect(await refusal(a, 'alice', '10.0.0.1')).to.equal(undefined);
  });

  it('counts N concurrent reservations exactly like N sequential ones', async () => {
    const instances = [throttle({ maxFailuresPerAccountAddress: 7 }), throttle({ maxFailuresPerAccountAddress: 7 })];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => refusal(instances[i % 2], 'carol', '10.1.1.1')));
    expect(results.filter((r) => r === undefined)).to.have.length(7);
    expect(results.filter((r) => r !== undefined)).to.have.length(53);
  });

  it('takes back a released reservation and forgives a pair on success, marking the address known', async () => {
    const t = throttle({ maxFailuresPerAccount: 3, maxFailuresPerAddress: 3 });
    const first = await t.reserve({ account: 'dave', address: '10.2.0.1' });
    await t.release(first);
    await t.reserve({ account: 'dave', address: '10.2.0.1' });
    const ok = await t.reserve({ account: 'dave', address: '10.2.0.1' });
    expect(await refusal(t, 'dave', '10.2.0.1')).to.equal(60); // 2 counted: the pair limit
    await t.forgive(ok);
    const again = await t.reserve({ account: 'dave', address: '10.2.0.1' });
    expect(again.known).to.equal(true);
    // two failures from elsewhere reach the account-wide limit of 3 (1 + 2): new addresses are refused...
    await t.reserve({ account: 'dave', address: '10.2.0.2' });
    await t.reserve({ account: 'dave', address: '10.2.0.3' });
    expect(await refusal(t, 'dave', '10.2.0.4')).to.be.greaterThan(0);
    // ...but not the address dave logged in from
    expect(await refusal(t, 'dave', '10.2.0.1')).to.equal(undefined);
  });

  it('limits addresses over all accounts, except for accounts known there, and prunes ended windows', async () => {
    const t = throttle({ maxFailuresPerAccountAddress: 100, maxFailuresPerAddress: 3, windowSeconds: 30, knownAddressSeconds: 20 });
    await t.forgive(await t.reserve({ account: 'erin', address: '10.9.9.9' }));
    for (const account of ['x1', 'x2', 'x3']) await t.reserve({ account, address: '10.9.9.9' });
    expect(await refusal(t, 'someone-else', '10.9.9.9')).to.equal(30);
    expect(await refusal(t, 'someone-else', '10.9.9.8')).to.equal(undefined);
    expect(await refusal(t, 'erin', '10.9.9.9')).to.equal(undefined);
    let allowed = true;
    await t.assertAllowed({ account: 'x4', address: '10.9.9.9' }).catch(() => (allowed = false));
    expect(allowed).to.equal(false);
    clock += 31_000;
    expect(await t.prune()).to.be.greaterThan(3);
    expect(await refusal(t, 'someone-else', '10.9.9.9')).to.equal(undefined);
  });
});
