import { ValidationError } from '../lib/errors.js';

const UNITS: Array<[ms: number, singular: string, aliases: string[]]> = [
  [7 * 86_400_000, 'week', ['w', 'wk', 'wks', 'week', 'weeks']],
  [86_400_000, 'day', ['d', 'day', 'days']],
  [3_600_000, 'hour', ['h', 'hr', 'hrs', 'hour', 'hours']],
  [60_000, 'minute', ['m', 'min', 'mins', 'minute', 'minutes']],
  [1000, 'second', ['s', 'sec', 'secs', 'second', 'seconds']],
  [1, 'millisecond', ['ms', 'millisecond', 'milliseconds']],
];
const UNIT_MS = new Map(UNITS.flatMap(([ms, , aliases]) => aliases.map((a) => [a, ms] as const)));

/** The shortest interval an administrator may set: agenda polls in seconds, jobs are housekeeping. */
export const MIN_INTERVAL_MS = 60_000;
/** The longest: one year (a longer one is almost certainly a typo). */
export const MAX_INTERVAL_MS = 366 * 86_400_000;

/**
 * Parses a job interval: a whole number of milliseconds, or a human string of `<number> <unit>`
 * parts (`"90 minutes"`, `"1 day 12 hours"`, `"2h30m"`), units from milliseconds to weeks.
 * Months are refused on purpose: their length varies. Throws ValidationError naming the problem,
 * including an interval outside [min, max].
 */
export function parseInterval(input: string | number, bounds: { min?: number; max?: number } = {}): number {
  const min = bounds.min ?? MIN_INTERVAL_MS;
  const max = bounds.max ?? MAX_INTERVAL_MS;
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) throw new ValidationError('interval: a number must be a whole number of milliseconds');
    ms = input;
  } else {
    const text = input.trim().toLowerCase();
    if (/^\d+$/.test(text)) ms = Number(text);
    else {
      const part = /(\d+(?:\.\d+)?)\s*([a-z]+)[\s,]*(?:and\s+)?/gy;
      ms = 0;
      let match: RegExpExecArray | null;
      let consumed = 0;
      while ((match = part.exec(text)) !== null) {
        const unit = UNIT_MS.get(match[2]);
        if (unit === undefined) throw new ValidationError(`interval: unknown unit "${match[2]}" (use seconds, minutes, hours, days or weeks)`);
        ms += Number(match[1]) * unit;
        consumed = part.lastIndex;
      }
      if (text === '' || consumed !== text.length) throw new ValidationError(`interval: cannot read "${input}" (examples: "15 minutes", "6 hours", "1 day")`);
      ms = Math.round(ms);
    }
  }
  if (ms < min) throw new ValidationError(`interval: must be at least ${formatInterval(min)}`);
  if (ms > max) throw new ValidationError(`interval: must be at most ${formatInterval(max)}`);
  return ms;
}

/**
 * Milliseconds as the largest whole units: 5_400_000 → "1 hour 30 minutes", 86_400_000 → "1 day".
 * Weeks only when the interval is whole weeks ("30 days" stays "30 days").
 */
export function formatInterval(ms: number): string {
  const parts: string[] = [];
  let left = ms;
  for (const [unit, name] of UNITS) {
    if (name === 'week' && ms % unit !== 0) continue;
    const n = Math.floor(left / unit);
    if (n > 0) {
      parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
      left -= n * unit;
    }
  }
  return parts.length > 0 ? parts.join(' ') : '0 milliseconds';
}
