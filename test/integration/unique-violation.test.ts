import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { isUniqueViolation } from '../../src/lib/unique-violation.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';

/** The error `run` rejects with. */
async function failure(run: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describeEachDb('isUniqueViolation on real database errors', (kind) => {
  let knex: Knex;
  let drop: (() => Promise<void>) | undefined;
  before(async function () {
    if (kind === 'postgres') {
      const pg = await createPgDatabase(this);
      drop = pg.drop;
      knex = knexFactory({ client: 'pg', connection: pg.url });
    } else {
      knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    }
    await knex.schema.createTable('items', (t) => {
      t.increments('id');
      t.string('name').notNullable().unique();
    });
    await knex('items').insert({ name: 'taken' });
  });
  after(async () => {
    await knex?.destroy();
    await drop?.();
  });

  it('recognises the driver error knex raises', async () => {
    expect(isUniqueViolation(await failure(() => knex('items').insert({ name: 'taken' })))).to.equal(true);
  });

  it('recognises a duplicate primary key', async () => {
    const [{ id }] = await knex('items').insert({ name: 'first' }).returning('id');
    expect(isUniqueViolation(await failure(() => knex('items').insert({ id, name: 'second' })))).to.equal(true);
  });

  it('recognises the violation inside a transaction', async () => {
    expect(isUniqueViolation(await failure(() => knex.transaction((trx) => trx('items').insert({ name: 'taken' }))))).to.equal(true);
  });

  it('is false for another constraint failure', async () => {
    expect(isUniqueViolation(await failure(() => knex('items').insert({})))).to.equal(false);
    expect(isUniqueViolation(await failure(() => knex('items').insert({ name: null })))).to.equal(false);
  });
});
