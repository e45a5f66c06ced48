import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseScan, parseSmartctl } from '../../../hardware/smart/parse.js';
import { applyAcknowledgements, assess, verdictOf } from '../../../hardware/smart/verdict.js';

const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join('test/fixtures/smartctl', name), 'utf8'));

describe('hardware/smart: smartctl JSON parser and verdict', () => {
  it('lists scanned devices with their -d type and protocol', () => {
    const devices = parseScan(load('scan-open.json'));
    expect(devices.map((d) => `${d.path} ${d.type} ${d.protocol}`)).to.deep.equal([
      '/dev/sda sat ata', '/dev/sdb sat ata', '/dev/sdc scsi scsi', '/dev/sdd sat ata', '/dev/sde scsi scsi', '/dev/sdf sat ata', '/dev/nvme0 nvme nvme',
    ]);
    expect(parseScan({ smartctl: { exit_status: 0 } })).to.deep.equal([]);
  });

  it('reads an ATA HDD: identity, temperature, hours, attributes, self-test log, a CRC warning', () => {
    const d = parseSmartctl(load('ata-hdd.json'), '/dev/sda', 'sat');
    expect(d).to.include({ device: 'sda', model: 'WDC WD40EFRX-68N32N0', serial: 'WD-WCC7K4ABC123', protocol: 'ata', availability: 'available', temperatureC: 34, powerOnHours: 21340, capacityBytes: 4000787030016 });
    expect(d.attributes.find((a) => a.key === 'ata.5')).to.include({ name: 'Reallocated_Sector_Ct', value: 0, normalized: 200, threshold: 140 });
    expect(d.verdict).to.equal('warning');
    expect(d.findings).to.deep.equal([{ key: 'ata.199', severity: 'warning', value: 2, message: '2 UDMA CRC errors (check the cable)' }]);
    expect(d.selfTests[0]).to.deep.equal({ type: 'Short offline', status: 'Completed without error', passed: true, lifetimeHours: 21300 });
    expect(d.selfTestRunning).to.equal(null);
  });

  it('reads a SATA SSD with a self-test in progress and no findings', () => {
    const d = parseSmartctl(load('sata-ssd.json'), '/dev/sdb', 'sat');
    expect(d).to.include({ verdict: 'ok', temperatureC: 31, powerOnHours: 9120 });
    expect(d.selfTestRunning).to.deep.equal({ type: 'self-test', remainingPercent: 90 });
    expect(d.attributes.find((a) => a.key === 'ata.190')?.value).to.equal(31);
  });

  it('calls a disk failing from its own verdicts (overall status, a value below its vendor threshold); its counts alone warn', () => {
    const d = parseSmartctl(load('failing-hdd.json'), '/dev/sdd', 'sat');
    expect(d.verdict).to.equal('failing');
    const keys = d.findings.map((f) => `${f.key}:${f.severity}`);
    expect(keys).to.include.members(['smart_status:failing', 'ata.5:failing', 'ata.5:warning', 'ata.197:warning', 'ata.198:warning']);
    expect(d.selfTests[0]).to.include({ status: 'Completed: read failure', passed: false });
  });

  it('reads NVMe health: spare, wear, media errors, self-test log', () => {
    const d = parseSmartctl(load('nvme.json'), '/dev/nvme0', 'nvme');
    expect(d).to.include({ device: 'nvme0', protocol: 'nvme', verdict: 'ok', temperatureC: 44, powerOnHours: 6510, serial: 'S5GXNF0R654321X' });
    expect(d.attributes.map((a) => a.key)).to.include.members(['nvme.critical_warning', 'nvme.available_spare', 'nvme.percentage_used', 'nvme.media_errors']);
    expect(d.selfTests).to.deep.equal([{ type: 'Short', status: 'Completed without error', passed: true, lifetimeHours: 6500 }]);
  });

  it('reads SCSI/SAS: model from vendor/product, grown defects, uncorrected errors, self-tests', () => {
    const d = parseSmartctl(load('scsi-sas.json'), '/dev/sdc', 'scsi');
    expect(d).to.include({ protocol: 'scsi', model: 'SEAGATE ST4000NM0023', verdict: 'ok', temperatureC: 31, powerOnHours: 39990 });
    expect(d.attributes.map((a) => a.key)).to.deep.equal(['scsi.grown_defects', 'scsi.read_uncorrected', 'scsi.write_uncorrected', 'scsi.verify_uncorrected']);
    expect(d.selfTests.map((t) => t.type)).to.deep.equal(['Background short', 'Background long']);
  });

  it('reports a USB bridge without SMART as unsupported and a sleeping disk as standby, not as errors', () => {
    const usb = parseSmartctl(load('usb-bridge.json'), '/dev/sde', 'scsi');
    expect(usb).to.include({ availability: 'unsupported', verdict: 'unknown' });
    expect(usb.notes[0]).to.contain('Unknown USB bridge');
    const sleeping = parseSmartctl(load('standby.json'), '/dev/sdf', 'sat');
    expect(sleeping).to.include({ availability: 'standby', verdict: 'unknown', temperatureC: null });
  });

  it('applies the NVMe thresholds: critical warning, wear, spare, media errors', () => {
    const nv = (field: string, value: number) => ({ key: `nvme.${field}`, name: field, value });
    const base = [nv('critical_warning', 0), nv('available_spare', 100), nv('available_spare_threshold', 10), nv('percentage_used', 3), nv('media_errors', 0)];
    const withValue = (field: string, value: number) => base.map((a) => (a.key === `nvme.${field}` ? { ...a, value } : a));
    expect(verdictOf(assess('nvme', base, true, 40))).to.equal('ok');
    expect(verdictOf(assess('nvme', withValue('critical_warning', 0x04), true, 40))).to.equal('failing');
    expect(verdictOf(assess('nvme', withValue('critical_warning', 0x02), true, 40))).to.equal('warning');
    expect(verdictOf(assess('nvme', withValue('percentage_used', 92), true, 40))).to.equal('warning');
    expect(verdictOf(assess('nvme', withValue('percentage_used', 100), true, 40))).to.equal('failing');
    expect(verdictOf(assess('nvme', withValue('available_spare', 15), true, 40))).to.equal('warning');
    expect(verdictOf(assess('nvme', withValue('available_spare', 5), true, 40))).to.equal('failing');
    expect(verdictOf(assess('nvme', withValue('media_errors', 1), true, 40))).to.equal('warning');
    expect(verdictOf(assess('nvme', withValue('media_errors', 5000), true, 40)), 'a static count alone').to.equal('warning');
    expect(verdictOf(assess('nvme', base, true, 80))).to.equal('warning');
  });

  it('silences an acknowledged warning until its value grows; never silences a failure', () => {
    const findings = parseSmartctl(load('ata-hdd.json'), '/dev/sda', 'sat').findings;
    expect(applyAcknowledgements(findings, [{ attribute: 'ata.199', value: 2 }])).to.deep.equal([]);
    expect(applyAcknowledgements(findings, [{ attribute: 'ata.199', value: 1 }])).to.have.length(1);
    expect(applyAcknowledgements(findings, [{ attribute: 'ata.5', value: 2 }])).to.have.length(1);
    const failing = parseSmartctl(load('failing-hdd.json'), '/dev/sdd', 'sat').findings;
    const kept = applyAcknowledgements(failing, failing.map((f) => ({ attribute: f.key, value: f.value })));
    expect(kept.map((f) => f.severity)).to.deep.equal(failing.filter((f) => f.severity === 'failing').map(() => 'failing'));
    expect(kept.length).to.be.greaterThan(0);
  });
});
