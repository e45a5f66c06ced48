/**
 * The bench verdict: medians over rounds per server and row, nasd's ratios against Apache,
 * flushed Apache and the runtime floor, and each row judged against its target. Pure (runs in,
 * Markdown out) so the median and verdict rules are unit-tested; report.ts reads the files.
 */

/** What report.ts reads of one webdav-bench JSON file. */
export interface BenchRun {
  label?: string;
  options?: { entries?: number };
  steps?: Record<string, Record<string, unknown>>;
  rss?: { peakMiB?: number };
}

/** Runs per server label, index = round − 1 (undefined where a round left no file). */
export type RoundsByServer = Map<string, Array<BenchRun | undefined>>;

/** A PROPFIND-only run of one server on a folder of `entries` entries. */
export interface CurveRun {
  label: string;
  entries: number;
  run: BenchRun;
}

/** The columns, in order; nasd is judged, the others are references. */
export const SERVERS = ['apache', 'apache-flushed', 'rclone', 'floor', 'nasd'] as const;
const HEADINGS: Record<(typeof SERVERS)[number], string> = { apache: 'Apache', 'apache-flushed': 'Apache flushed', rclone: 'rclone', floor: 'floor', nasd: 'nasd' };

/** Every row must reach this share of the floor's performance (for times: at most 1/FLOOR_SHARE of its time). */
export const FLOOR_SHARE = 0.9;
/** Peak RSS allowed for nasd, MiB. */
export const RSS_LIMIT_MIB = 150;

export interface Row {
  name: string;
  step: string;
  key: string;
  /** 'time': lower is better, and the target bounds nasd's time over the reference's from above. */
  kind: 'rate' | 'time';
  /** The server the target compares with. */
  ref: 'apache' | 'apache-flushed';
  /** rate: nasd/ref ≥ factor; time: nasd/ref ≤ factor. */
  factor: number;
}

/** The rows and targets. PUT-like rows compare with flushed Apache (nasd answers only once the bytes are on disk). */
export const ROWS: Row[] = [
  { name: 'small PUT files/s (4 KiB, 8 clients)', step: 'smallPut', key: 'filesPerS', kind: 'rate', ref: 'apache-flushed', factor: 0.8 },
  { name: 'big PUT MiB/s', step: 'bigPut', key: 'MiBs', kind: 'rate', ref: 'apache-flushed', factor: 0.8 },
  { name: 'small GET files/s', step: 'smallGet', key: 'filesPerS', kind: 'rate', ref: 'apache', factor: 1 },
  { name: 'big GET MiB/s', step: 'bigGet', key: 'MiBs', kind: 'rate', ref: 'apache', factor: 0.85 },
  { name: 'PROPFIND Depth 1 median ms', step: 'propfind', key: 'medianMs', kind: 'time', ref: 'apache', factor: 0.75 },
  { name: 'tree create (entries PUT) files/s', step: 'entriesPut', key: 'filesPerS', kind: 'rate', ref: 'apache-flushed', factor: 0.8 },
  { name: 'tree DELETE s (the whole bench folder)', step: 'delete', key: 'seconds', kind: 'time', ref: 'apache', factor: 2 },
  { name: 'sequential small PUT, 1 client, p50 ms', step: 'seqPut', key: 'p50ms', kind: 'time', ref: 'apache-flushed', factor: 1.5 },
];

/** The median of the values (mean of the middle two for an even count); undefined for none. */
export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A row's value in one run: a finite positive number, else undefined (a failed or skipped step). */
export function valueOf(run: BenchRun | undefined, row: Pick<Row, 'step' | 'key'>): number | undefined {
  const v = run?.steps?.[row.step]?.[row.key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

const present = (xs: Array<number | undefined>): number[] => xs.filter((x): x is number => x !== undefined);

export interface Judged {
  medians: Record<string, number | undefined>;
  /** nasd's median over each reference's median, undefined when either is missing. */
  ratios: { flushed?: number; apache?: number; floor?: number };
  verdict: string;
}

/** Medians per server for one row, nasd's ratios, and the verdict: ok, MISS (naming what was missed) or incomplete. */
export function judgeRow(row: Row, rounds: RoundsByServer): Judged {
  const medians: Record<string, number | undefined> = {};
  for (const s of SERVERS) medians[s] = median(present((rounds.get(s) ?? []).map((r) => valueOf(r, row))));
  const nasd = medians.nasd;
  const over = (ref: number | undefined) => (nasd !== undefined && ref !== undefined ? nasd / ref : undefined);
  const ratios = { flushed: over(medians['apache-flushed']), apache: over(medians.apache), floor: over(medians.floor) };
  const meets = (ratio: number | undefined, factor: number) => (ratio === undefined ? undefined : row.kind === 'rate' ? ratio >= factor : ratio <= factor);
  const checks: Array<[string, boolean | undefined]> = [
    [HEADINGS[row.ref], meets(row.ref === 'apache' ? ratios.apache : ratios.flushed, row.factor)],
    ['floor', meets(ratios.floor, row.kind === 'rate' ? FLOOR_SHARE : 1 / FLOOR_SHARE)],
  ];
  const missed = checks.filter(([, ok]) => ok === false).map(([name]) => name);
  const verdict = missed.length > 0 ? `MISS (${missed.join(', ')})` : checks.some(([, ok]) => ok === undefined) ? 'incomplete' : 'ok';
  return { medians, ratios, verdict };
}

/** The target as a sentence on nasd/reference, in the direction the ratio columns use. */
export function targetText(row: Row): string {
  const floor = row.kind === 'rate' ? `≥ ${FLOOR_SHARE}× floor` : `≤ ${(1 / FLOOR_SHARE).toFixed(2)}× floor`;
  return `${row.kind === 'rate' ? '≥' : '≤'} ${row.factor}× ${HEADINGS[row.ref]}; ${floor}${row.kind === 'time' ? ' (time: lower is better)' : ''}`;
}

/** Three significant figures at most, whole numbers from 100 up. */
const fmt = (v: number | undefined) => (v === undefined ? '–' : v >= 100 ? Math.round(v).toString() : Number(v.toPrecision(3)).toString());
const fmtRatio = (r: number | undefined) => (r === undefined ? '–' : `${r.toFixed(2)}×`);
const peakOf = (runs: Array<BenchRun | undefined> | undefined) => {
  const peaks = present((runs ?? []).map((r) => r?.rss?.peakMiB));
  return peaks.length ? Math.max(...peaks) : undefined;
};
const rssVerdict = (v: number | undefined) => (v === undefined ? 'incomplete' : v <= RSS_LIMIT_MIB ? 'ok' : 'MISS');

/** The main table: medians, ratios, targets and verdicts, then the RSS rows. */
export function resultTable(rounds: RoundsByServer, curves: CurveRun[]): string {
  const head = ['row', ...SERVERS.map((s) => HEADINGS[s]), 'nasd/Apache flushed', 'nasd/Apache', 'nasd/floor', 'target (on nasd/reference)', 'verdict'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const j = judgeRow(row, rounds);
    const cells = [row.name, ...SERVERS.map((s) => fmt(j.medians[s])), fmtRatio(j.ratios.flushed), fmtRatio(j.ratios.apache), fmtRatio(j.ratios.floor), targetText(row), j.verdict];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const blanks = ['', '', ''];
  const peak = peakOf(rounds.get('nasd'));
  lines.push(`| peak RSS MiB, whole run (max over rounds) | ${SERVERS.map((s) => fmt(peakOf(rounds.get(s)))).join(' | ')} | ${blanks.join(' | ')} | nasd ≤ ${RSS_LIMIT_MIB} | ${rssVerdict(peak)} |`);
  for (const entries of [...new Set(curves.map((c) => c.entries))].sort((a, b) => a - b)) {
    const at = (s: string) => curves.find((c) => c.label === s && c.entries === entries)?.run.rss?.peakMiB;
    lines.push(`| peak RSS MiB, PROPFIND ${entries} entries | ${SERVERS.map((s) => fmt(at(s))).join(' | ')} | ${blanks.join(' | ')} | nasd ≤ ${RSS_LIMIT_MIB} | ${rssVerdict(at('nasd'))} |`);
  }
  return lines.join('\n');
}

/** Each row's values per round ("r1 / r2 / r3", in round order), so the noise behind a median is visible. */
export function roundsTable(rounds: RoundsByServer): string {
  const lines = [`| row | ${SERVERS.map((s) => HEADINGS[s]).join(' | ')} |`, `|---|${SERVERS.map(() => '---').join('|')}|`];
  for (const row of ROWS) {
    const cells = SERVERS.map((s) => (rounds.get(s) ?? []).map((r) => fmt(valueOf(r, row))).join(' / ') || '–');
    lines.push(`| ${row.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** PROPFIND time and RSS per folder size, one line per server and size. */
export function curveTable(curves: CurveRun[]): string {
  const lines = ['| server | entries | median ms | ms per 1,000 entries | peak RSS MiB |', '|---|---|---|---|---|'];
  const sorted = [...curves].sort((a, b) => a.entries - b.entries || a.label.localeCompare(b.label));
  for (const c of sorted) {
    const ms = valueOf(c.run, { step: 'propfind', key: 'medianMs' });
    lines.push(`| ${c.label} | ${c.entries} | ${fmt(ms)} | ${ms === undefined ? '–' : ((ms / c.entries) * 1000).toFixed(1)} | ${fmt(c.run.rss?.peakMiB)} |`);
  }
  return lines.join('\n');
}
