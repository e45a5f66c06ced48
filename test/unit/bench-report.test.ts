import { expect } from 'chai';
import { judgeRow, median, resultTable, ROWS, roundsTable, type BenchRun, type RoundsByServer, type Row } from '../bench/report-table.js';

/** A webdav-bench JSON as the kit writes it, with only the fields the report reads. */
function run(steps: Record<string, Record<string, number>>, peakMiB?: number): BenchRun {
  return { steps, ...(peakMiB === undefined ? {} : { rss: { peakMiB } }) };
}
const rowNamed = (step: string): Row => ROWS.find((r) => r.step === step)!;
/** Rounds for every server of one step/key: values[label] = one value per round. */
function roundsOf(step: string, key: string, values: Record<string, Array<number | undefined>>): RoundsByServer {
  return new Map(Object.entries(values).map(([label, vs]) => [label, vs.map((v) => (v === undefined ? undefined : run({ [step]: { [key]: v } })))]));
}

describe('bench report (medians and verdicts)', () => {
  it('takes the median: the middle value, the mean of the middle two, nothing for none', () => {
    expect(median([30, 10, 20])).to.equal(20);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([])).to.equal(undefined);
  });

  it('judges a rate row on medians: an outlier round does not decide it', () => {
    const rounds = roundsOf('smallPut', 'filesPerS', { 'apache-flushed': [1000, 1000, 1000], floor: [1000, 1000, 1000], nasd: [950, 100, 900] });
    const j = judgeRow(rowNamed('smallPut'), rounds);
    expect(j.medians.nasd).to.equal(900);
    expect(j.ratios.flushed).to.equal(0.9);
    expect(j.verdict).to.equal('ok');
  });

  it('names the reference a rate row missed', () => {
    const rounds = roundsOf('bigPut', 'MiBs', { 'apache-flushed': [300, 300, 300], floor: [500, 500, 500], nasd: [260, 260, 260] });
    expect(judgeRow(rowNamed('bigPut'), rounds).verdict).to.equal('MISS (floor)');
  });

  it('judges a time row the right way round: a lower time passes, a higher one misses', () => {
    const row = rowNamed('propfind');
    const fast = roundsOf('propfind', 'medianMs', { apache: [400, 400, 400], floor: [300, 300, 300], nasd: [290, 300, 310] });
    const fastJudged = judgeRow(row, fast);
    expect(fastJudged.ratios.apache).to.equal(0.75);
    expect(fastJudged.verdict).to.equal('ok');
    const slow = roundsOf('propfind', 'medianMs', { apache: [400, 400, 400], floor: [300, 300, 300], nasd: [340, 340, 340] });
    expect(judgeRow(row, slow).verdict).to.equal('MISS (Apache, floor)');
  });

  it('allows a time row up to 1/0.9 of the floor time', () => {
    const row = rowNamed('seqPut');
    const within = roundsOf('seqPut', 'p50ms', { 'apache-flushed': [2, 2, 2], floor: [1.8, 1.8, 1.8], nasd: [1.99, 1.99, 1.99] });
    expect(judgeRow(row, within).verdict).to.equal('ok');
    const past = roundsOf('seqPut', 'p50ms', { 'apache-flushed': [2, 2, 2], floor: [1.8, 1.8, 1.8], nasd: [2.01, 2.01, 2.01] });
    expect(judgeRow(row, past).verdict).to.equal('MISS (floor)');
  });

  it('says incomplete when a reference has no value, and skips failed rounds in the median', () => {
    const rounds = roundsOf('smallGet', 'filesPerS', { apache: [1000, undefined, 1000], nasd: [1200, 1100, undefined] });
    const j = judgeRow(rowNamed('smallGet'), rounds);
    expect(j.medians.nasd).to.equal(1150);
    expect(j.medians.floor).to.equal(undefined);
    expect(j.verdict).to.equal('incomplete');
  });

  it('takes the peak RSS as the maximum over rounds and judges it against 150 MiB', () => {
    const over: RoundsByServer = new Map([['nasd', [run({}, 120), run({}, 151), run({}, 130)]]]);
    const line = resultTable(over, []).split('\n').find((l) => l.startsWith('| peak RSS MiB, whole run'))!;
    expect(line).to.contain('| 151 |').and.match(/\| MISS \|$/);
    const curveLine = resultTable(new Map(), [{ label: 'nasd', entries: 100000, run: run({}, 140) }])
      .split('\n')
      .find((l) => l.startsWith('| peak RSS MiB, PROPFIND 100000'))!;
    expect(curveLine).to.match(/\| ok \|$/);
  });

  it('lists every round in order, with a dash for a round that left no value', () => {
    const rounds = roundsOf('bigGet', 'MiBs', { nasd: [700, undefined, 650] });
    const line = roundsTable(rounds).split('\n').find((l) => l.startsWith('| big GET'))!;
    expect(line).to.contain('700 / – / 650');
  });
});
