/**
 * Reads webdav-bench JSON files (labels `apache`, `rclone`, `nasd`, and `apache-flushed` when
 * run.sh made that reference run) and prints nasd's ratios against Apache with the issue's
 * targets, plus the PROPFIND curve when `curve-*.json` exist. The targets are judged against
 * plain Apache only; the flushed Apache column (every written file fdatasync'ed before close, as
 * nasd does before it answers) is there to show what the PUT rows compare.
 * Exit code 0 always: the table is the result; a missed target is printed as MISS.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Run {
  label?: string;
  options?: { entries?: number };
  steps?: Record<string, Record<string, number>>;
  rss?: { peakMiB?: number };
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: report.ts OUT_DIR');
const load = (name: string): Run | undefined => {
  const f = path.join(dir, name);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Run) : undefined;
};
const apache = load('apache.json');
const nasd = load('nasd.json');
const rclone = load('rclone.json');
const flushed = load('apache-flushed.json');
const get = (r: Run | undefined, step: string, key: string) => r?.steps?.[step]?.[key];

interface Target {
  name: string;
  step: string;
  key: string;
  /** nasd / apache must be ≥ min (for times: apache / nasd). */
  min: number;
  lowerIsBetter?: boolean;
}
const targets: Target[] = [
  { name: 'PROPFIND D1 10k median ms', step: 'propfind', key: 'medianMs', min: 1, lowerIsBetter: true },
  { name: 'small PUT files/s (4 KiB, 8 parallel)', step: 'smallPut', key: 'filesPerS', min: 1 },
  { name: 'small GET files/s', step: 'smallGet', key: 'filesPerS', min: 1 },
  { name: 'big PUT MiB/s', step: 'bigPut', key: 'MiBs', min: 1 },
  { name: 'big GET MiB/s', step: 'bigGet', key: 'MiBs', min: 0.8 },
];

const fmt = (v: number | undefined) => (v === undefined ? '–' : v >= 100 ? Math.round(v).toString() : v.toFixed(1));
/** nasd against a reference: >1 is nasd better (for times, the reference's time over nasd's). */
const ratioOf = (t: Target, ref: number | undefined, n: number | undefined) =>
  ref !== undefined && n !== undefined && ref > 0 && n > 0 ? (t.lowerIsBetter ? ref / n : n / ref) : undefined;
const fmtRatio = (r: number | undefined) => (r === undefined ? '–' : `${r.toFixed(2)}x`);
const lines = [
  '| metric | Apache | Apache, flushed | rclone | nasd | nasd vs Apache | target | result | nasd vs Apache flushed |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const t of targets) {
  const a = get(apache, t.step, t.key);
  const f = get(flushed, t.step, t.key);
  const n = get(nasd, t.step, t.key);
  const ratio = ratioOf(t, a, n);
  const ok = ratio !== undefined && ratio >= t.min;
  const cells = [t.name, fmt(a), fmt(f), fmt(get(rclone, t.step, t.key)), fmt(n), fmtRatio(ratio), `≥ ${t.min}x`, ok ? 'ok' : 'MISS', fmtRatio(ratioOf(t, f, n))];
  lines.push(`| ${cells.join(' | ')} |`);
}
const rss = nasd?.rss?.peakMiB;
lines.push(`| server peak RSS MiB | ${fmt(apache?.rss?.peakMiB)} | ${fmt(flushed?.rss?.peakMiB)} | ${fmt(rclone?.rss?.peakMiB)} | ${fmt(rss)} | | ≤ 150 | ${rss !== undefined && rss <= 150 ? 'ok' : 'MISS'} | |`);
console.log(lines.join('\n'));

const curve = fs
  .readdirSync(dir)
  .filter((f) => /^curve-\d+\.json$/.test(f))
  .map((f) => load(f)!)
  .map((r) => ({ entries: r.options?.entries ?? 0, ms: get(r, 'propfind', 'medianMs'), rss: r.rss?.peakMiB }))
  .sort((a, b) => a.entries - b.entries);
if (curve.length > 0) {
  console.log('\nnasd PROPFIND Depth 1 curve (allprop)\n\n| entries | median ms | ms per 1,000 entries | peak RSS MiB |\n|---|---|---|---|');
  for (const c of curve) console.log(`| ${c.entries} | ${fmt(c.ms)} | ${c.ms === undefined ? '–' : ((c.ms / c.entries) * 1000).toFixed(1)} | ${fmt(c.rss)} |`);
}
