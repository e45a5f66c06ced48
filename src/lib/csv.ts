/**
 * CSV per RFC 4180 (comma separated, CRLF line ends, fields with a comma, quote, CR or LF quoted
 * and their quotes doubled), made safe to open in a spreadsheet: a text cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a CR would run as a formula (OWASP "CSV injection"), so it gets a
 * leading `'`, which spreadsheets show as plain text.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null/undefined → empty, numbers as they are, text defused and quoted when needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its CRLF. */
export function csvRow(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return values.map(csvCell).join(',') + '\r\n';
}
