import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { applyAcknowledgements, assess, escalateGrowth, SMART_THRESHOLDS, verdictOf } from '../../../hardware/smart/verdict.js';
import { parseSmartctl } from '../../../hardware/smart/parse.js';
import type { SmartAttribute } from '../../../hardware/index.js';

const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join('test/fixtures/smartctl', name), 'utf8'));
const ata = (id: number, value: number, normalized = 100, threshold = 0): SmartAttribute => ({ key: `ata.${id}`, name: `attr ${id}`, value, normalized, worst: normalized, threshold });
const grown = (value: number): SmartAttribute => ({ key: 'scsi.grown_defects', name: 'Grown defect list', value });

/**
 * Verdict calibration: counters that many healthy drives carry warn; failing needs the drive's
 * own verdict, NVMe's own critical state, or fast growth over the scan history.
 */
describe('SMART verdict calibration', () => {
  it('a SAS drive with 56 grown defects whose own status is "passed" is a warning, not failing (hand-written recording of the real case)', () => {
    const d = parseSmartctl(load('scsi-sas-grown-defects.json'), '/dev/sdg', 'scsi');
    expect(d.verdict).to.equal('warning');
    expect(d.findings).to.deep.equal([{ key: 'scsi.grown_defects', severity: 'warning', value: 56, message: '56 grown defects' }]);
  });

  it('the same drive becomes failing when the count grew by the growth limit within the window, or when it reports FAILED', () => {
    const findings = assess('scsi', [grown(56)], true, 35);
    expect(verdictOf(escalateGrowth(findings, new Map([['scsi.grown_defects', 56 - SMART_THRESHOLDS.growthFailing]])))).to.equal('failing');
    expect(verdictOf(escalateGrowth(findings, new Map([['scsi.grown_defects', 56 - SMART_THRESHOLDS.growthFailing + 1]])))).to.equal('warning');
    expect(escalateGrowth(findings, new Map([['scsi.grown_defects', 40]]))[0].message).to.equal('56 grown defects, up 16 in 7 days');
    expect(verdictOf(assess('scsi', [grown(56)], false, 35))).to.equal('failing');
  });

  it('static ATA sector counts of any size warn while the drive says its values are above threshold', () => {
    for (const id of [5, 197, 198]) {
      expect(verdictOf(assess('ata', [ata(id, 1)], true, 35)), `ata.${id} = 1`).to.equal('warning');
      expect(verdictOf(assess('ata', [ata(id, 5000, 100, 10)], true, 35)), `ata.${id} = 5000`).to.equal('warning');
    }
    expect(verdictOf(assess('ata', [ata(5, 0), ata(197, 0), ata(198, 0)], true, 35))).to.equal('ok');
  });

  it('an ATA value at or below its vendor threshold is the drive\u2019s own failure, with or without smartctl\u2019s WHEN_FAILED', () => {
    expect(verdictOf(assess('ata', [ata(5, 1184, 3, 140)], true, 35))).to.equal('failing');
    expect(verdictOf(assess('ata', [ata(5, 900, 140, 140)], true, 35))).to.equal('failing');
    expect(verdictOf(assess('ata', [ata(5, 900, 141, 140)], true, 35))).to.equal('warning');
    expect(verdictOf(assess('ata', [{ ...ata(5, 8, 100, 10), whenFailed: 'past' }], true, 35))).to.equal('warning');
  });

  it('growth counts only for tracked counters, never for CRC errors (a cable), and never lowers a severity', () => {
    const crc = assess('ata', [ata(199, 500)], true, 35);
    expect(verdictOf(escalateGrowth(crc, new Map([['ata.199', 0]])))).to.equal('warning');
    const pending = assess('ata', [ata(197, 12)], true, 35);
    expect(verdictOf(escalateGrowth(pending, new Map([['ata.197', 2]])))).to.equal('failing');
    expect(verdictOf(escalateGrowth(pending, new Map()))).to.equal('warning');
    const failing = assess('ata', [ata(5, 10, 1, 36)], true, 35);
    expect(verdictOf(escalateGrowth(failing, new Map([['ata.5', 10]])))).to.equal('failing');
  });

  it('a warning acknowledged at 56 stays silent at 56 and warns again at 57; an escalated failure is never silenced', () => {
    const at56 = assess('scsi', [grown(56)], true, 35);
    expect(applyAcknowledgements(at56, [{ attribute: 'scsi.grown_defects', value: 56 }])).to.deep.equal([]);
    expect(applyAcknowledgements(assess('scsi', [grown(57)], true, 35), [{ attribute: 'scsi.grown_defects', value: 56 }])).to.have.length(1);
    const escalated = escalateGrowth(assess('scsi', [grown(70)], true, 35), new Map([['scsi.grown_defects', 56]]));
    expect(applyAcknowledgements(escalated, [{ attribute: 'scsi.grown_defects', value: 70 }])).to.have.length(1);
  });
});
