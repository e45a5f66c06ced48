import { expect } from 'chai';
import { openDatabase, type Database } from '../../../src/db/index.js';
import { LoginThrottle } from '../../../src/services/identity/throttle.js';
import { createPgDatabase, describeEachDb } from '../../helpers/db.js';
import { makeTmpDir } from '../../helpers/tmp.js';

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

  async function refusal(throttle: LoginThrottle, account: string, address?: string): Promise<number | undefined> {
    try {
      await throttle.assertAllowed({ account, address });
      return undefined;
    } catch (err) {
      return (err as { retryAfterSeconds: number }).retryAfterSeconds;
    }
  }

  it('counts failures in a fixed window shared by every instance, then forgets them', async () => {
    const a = new LoginThrottle(db.knex, { maxFailuresPerAccount: 2, maxFailuresPerAddress: 100, windowSeconds: 60 }, () => clock);
    const b = new LoginThrottle(db.knex, { maxFailuresPerAccount: 2, maxFailuresPerAddress: 100, windowSeconds: 60 }, () => clock);
    await a.recordFailure({ account: 'Alice', address: '10.0.0.1' });
    expect(await refusal(b, 'alice')).to.equal(undefined);
    clock += 10_000;
    await b.recordFailure({ account: 'alice', address: '10.0.0.2' });
    expect(await refusal(a, 'alice', '10.0.0.3')).to.equal(50);
    expect(await refusal(a, 'bob', '10.0.0.1')).to.equal(undefined);

    clock += 50_000; // the window has ended
    expect(await refusal(a, 'alice')).to.equal(undefined);
    await a.recordFailure({ account: 'alice' });
    expect(await refusal(a, 'alice')).to.equal(undefined); // a new window starts at one failure
    await a.resetAccount('ALICE');
    await a.recordFailure({ account: 'alice' });
    expect(await refusal(a, 'alice')).to.equal(undefined);
  });

  it('limits addresses separately and prunes ended windows', async () => {
    const t = new LoginThrottle(db.knex, { maxFailuresPerAccount: 100, maxFailuresPerAddress: 3, windowSeconds: 30 }, () => clock);
    for (const account of ['x1', 'x2', 'x3']) await t.recordFailure({ account, address: '10.9.9.9' });
    expect(await refusal(t, 'someone-else', '10.9.9.9')).to.equal(30);
    expect(await refusal(t, 'someone-else', '10.9.9.8')).to.equal(undefined);
    clock += 31_000;
    expect(await t.prune()).to.be.greaterThan(3);
    expect(await refusal(t, 'someone-else', '10.9.9.9')).to.equal(undefined);
  });
});
