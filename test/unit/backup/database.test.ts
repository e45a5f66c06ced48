import { expect } from 'chai';
import { BackupError } from '../../../src/backup/archive.js';
import { restoreDatabase } from '../../../src/backup/database.js';
import { createPgDatabase } from '../../helpers/db.js';

async function failureOf(work: Promise<unknown>): Promise<BackupError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).to.be.instanceOf(BackupError);
  return err as BackupError;
}

describe('backup: PostgreSQL client tools', () => {
  let db: { url: string; drop: () => Promise<void> } | undefined;
  const unreadable = { kind: 'postgres' as const, data: Buffer.from('not a pg_dump archive'), migrations: [] };
  before(async function () {
    db = await createPgDatabase(this);
  });
  after(async () => db?.drop());

  it("passes on the tool's own error when it fails, with the password kept out of it", async () => {
    const err = await failureOf(restoreDatabase(unreadable, db!.url, '/nonexistent'));
    expect(err.code).to.equal('INTERNAL');
    expect(err.expose).to.equal(true);
    expect(err.message).to.match(/^pg_restore failed: pg_restore: error: .*archive/);
    const password = decodeURIComponent(new URL(db!.url).password);
    if (password) expect(err.message).to.not.include(password);
  });

  it('says how to install the tool when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await failureOf(restoreDatabase(unreadable, db!.url, '/nonexistent'));
      expect(err.code).to.equal('UNSUPPORTED');
      expect(err.message).to.equal("pg_restore is not installed; it comes with PostgreSQL's client tools (apt-get install postgresql-client)");
    } finally {
      process.env.PATH = path;
    }
  });
});
