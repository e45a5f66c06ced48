/**
 * Prints the bench verdict from a run.sh output dir: `<label>-r<N>.json` per server and round,
 * `curve-<label>-<entries>.json` per PROPFIND curve point (see report-table.ts for the rules).
 * Exit code 0 always: the tables are the result; a missed target is printed as MISS.
 *
 *   node dist/test/bench/report.js OUT_DIR
 */
import fs from 'node:fs';
import path from 'node:path';
import { curveTable, resultTable, roundsTable, type BenchRun, type CurveRun, type RoundsByServer } from './report-table.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: report.js OUT_DIR');
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as BenchRun;

const rounds: RoundsByServer = new Map();
const curves: CurveRun[] = [];
let roundCount = 0;
for (const name of fs.readdirSync(dir).sort()) {
  const curve = /^curve-(.+)-(\d+)\.json$/.exec(name);
  if (curve) {
    curves.push({ label: curve[1], entries: Number(curve[2]), run: load(name) });
    continue;
  }
  const round = /^(.+)-r(\d+)\.json$/.exec(name);
  if (!round) continue;
  const n = Number(round[2]);
  const runs = rounds.get(round[1]) ?? [];
  runs[n - 1] = load(name);
  rounds.set(round[1], runs);
  roundCount = Math.max(roundCount, n);
}
for (const [label, runs] of rounds) rounds.set(label, Array.from({ length: roundCount }, (_, i) => runs[i]));

console.log(`Medians over ${roundCount} round(s); ratios are nasd's median over the reference's.\n`);
console.log(resultTable(rounds, curves));
console.log(`\nPer round (r1 / r2 / ...)\n\n${roundsTable(rounds)}`);
if (curves.length > 0) console.log(`\nPROPFIND Depth 1 curve (allprop)\n\n${curveTable(curves)}`);
