import { expect } from 'chai';
import { knownMigrations, openDatabase, type Database } from '../../src/db/index.js';
import { createPgDatabase } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';

describe('migrations when several processes start together on a new PostgreSQL database', () => {
  const tmp = makeTmpDir('nasd-migrate-');
  after(() => tmp.remove());

  it('all of them open it, each migration is applied once, and none fails creating knex\u2019s own tables', async function () {
    this.timeout(60_000);
    const pg = await createPgDatabase(this);
    const opened: Database[] = [];
    try {
      // Separate knex instances with their own pools: as far apart as separate processes for the database.
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(pg.url, tmp.dir)));
      for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      expect(failures).to.deep.equal([]);
      const applied = (await opened[0].knex('knex_migrations').select('name')).map((row: { name: string }) => row.name);
      expect(applied).to.have.length(new Set(applied).size);
      expect(applied.length).to.be.greaterThan(0);
      expect(applied.length).to.equal(knownMigrations().length);
    } finally {
      for (const db of opened) await db.close();
      await pg.drop();
    }
  });
});
