import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { RetiredHomes } from '../../../src/vfs/backends/retired-homes.js';
import { makeTmpDir } from '../../helpers/tmp.js';

describe('RetiredHomes', () => {
  const tmp = makeTmpDir('nasd-retire-');
  after(() => tmp.remove());
  const at = (...p: string[]) => path.join(tmp.dir, ...p);

  it('stages, finishes and lists homes by their staging process', async () => {
    fs.mkdirSync(at('homes/hal'), { recursive: true });
    fs.writeFileSync(at('homes/hal/h.txt'), 'hal');
    const disk = new RetiredHomes(tmp.dir, 'inst-1');
    const home = { username: 'hal', userId: 3, at: 11, instanceId: 'inst-1' };
    expect(await disk.stage(home)).to.equal(true);
    expect(fs.existsSync(at('homes/hal'))).to.equal(false);
    expect(await disk.staged()).to.deep.equal([home]);
    expect(await disk.finish(home)).to.equal('.nasd/retired-homes/hal-3-11');
    expect(fs.readFileSync(at('.nasd/retired-homes/hal-3-11/h.txt'), 'utf8')).to.equal('hal');
    expect(await disk.staged()).to.deep.equal([]);
    expect(await disk.stage({ ...home, username: 'nobody' })).to.equal(false);
  });

  it('keeps a home folder recreated during a failed deletion aside instead of losing either', async () => {
    fs.mkdirSync(at('homes/gus'), { recursive: true });
    fs.writeFileSync(at('homes/gus/old.txt'), 'old');
    const disk = new RetiredHomes(tmp.dir, 'inst-1');
    const home = { username: 'gus', userId: 7, at: 42, instanceId: 'inst-1' };
    expect(await disk.stage(home)).to.equal(true);
    fs.mkdirSync(at('homes/gus'));
    fs.writeFileSync(at('homes/gus/new.txt'), 'new');
    expect(await disk.restore(home)).to.equal('.nasd/retired-homes/gus-7-42-conflict');
    expect(fs.readFileSync(at('homes/gus/old.txt'), 'utf8')).to.equal('old');
    expect(fs.readFileSync(at('.nasd/retired-homes/gus-7-42-conflict/new.txt'), 'utf8')).to.equal('new');
  });

  it('replaces an empty home folder created meanwhile, and sweeps one left after a deletion', async () => {
    fs.mkdirSync(at('homes/ivy'), { recursive: true });
    fs.writeFileSync(at('homes/ivy/i.txt'), 'ivy');
    const disk = new RetiredHomes(tmp.dir, 'inst-1');
    const home = { username: 'ivy', userId: 9, at: 5, instanceId: 'inst-1' };
    await disk.stage(home);
    fs.mkdirSync(at('homes/ivy'));
    expect(await disk.restore(home)).to.equal(undefined);
    expect(fs.readFileSync(at('homes/ivy/i.txt'), 'utf8')).to.equal('ivy');
    expect(await disk.sweepLate(home)).to.equal('.nasd/retired-homes/ivy-9-5-late');
    expect(fs.existsSync(at('homes/ivy'))).to.equal(false);
    expect(await disk.sweepLate(home)).to.equal(undefined);
  });
});
