import { expect } from 'chai';
import { ValidationError } from '../../../src/lib/errors.js';
import { formatInterval, parseInterval } from '../../../src/scheduler/index.js';

function rejects(input: string | number, pattern: RegExp): void {
  let error: unknown;
  try {
    parseInterval(input);
  } catch (err) {
    error = err;
  }
  expect(error, String(input)).to.be.instanceOf(ValidationError);
  expect((error as Error).message).to.match(pattern);
}

describe('scheduler intervals', () => {
  it('reads milliseconds and human words', () => {
    expect(parseInterval(60_000)).to.equal(60_000);
    expect(parseInterval('3600000')).to.equal(3_600_000);
    expect(parseInterval('15 minutes')).to.equal(900_000);
    expect(parseInterval('1 Day')).to.equal(86_400_000);
    expect(parseInterval('2h30m')).to.equal(9_000_000);
    expect(parseInterval('1 day, 12 hours')).to.equal(129_600_000);
    expect(parseInterval('1 hour and 30 mins')).to.equal(5_400_000);
    expect(parseInterval('1.5 hours')).to.equal(5_400_000);
    expect(parseInterval('2 weeks')).to.equal(14 * 86_400_000);
  });

  it('refuses what it cannot read, with a message saying why', () => {
    rejects('soon', /cannot read|unknown unit/);
    rejects('1 month', /unknown unit "month"/);
    rejects('', /cannot read/);
    rejects('5 minutes later', /unknown unit|cannot read/);
    rejects('-5 minutes', /cannot read/);
    rejects(1.5, /whole number/);
    rejects(Number.NaN, /whole number/);
  });

  it('enforces at least a minute and at most a year unless told otherwise', () => {
    rejects('30 seconds', /at least 1 minute/);
    rejects(59_999, /at least 1 minute/);
    rejects('367 days', /at most 366 days/);
    expect(parseInterval(300, { min: 1 })).to.equal(300);
  });

  it('formats milliseconds as the largest whole units', () => {
    expect(formatInterval(86_400_000)).to.equal('1 day');
    expect(formatInterval(5_400_000)).to.equal('1 hour 30 minutes');
    expect(formatInterval(30 * 86_400_000)).to.equal('30 days');
    expect(formatInterval(14 * 86_400_000)).to.equal('2 weeks');
    expect(formatInterval(1500)).to.equal('1 second 500 milliseconds');
  });
});
