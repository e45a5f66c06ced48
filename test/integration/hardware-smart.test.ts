import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

describeEachDb('hardware API: SMART with simulated disks', (kind) => {
  let srv: TestServer;
  let admin: string;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const simulate = (body: unknown) => call('POST', '/api/hardware/simulation', body);
  const disk = async (device: string) => (await call('GET', '/api/smart/disks')).body.disks.find((d: { device: string }) => d.device === device);

  before(async function () {
    srv = await startTestServer(this, kind, { hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  it('lists disks of every kind with verdicts, reasons, temperature and hours', async () => {
    const res = await call('GET', '/api/smart/disks');
    expect(res.status).to.equal(200);
    expect(res.body.backend).to.equal('simulated');
    const byDevice = Object.fromEntries(res.body.disks.map((d: { device: string }) => [d.device, d]));
    expect(Object.keys(byDevice)).to.deep.equal(['sda', 'sdb', 'sdc', 'sdd', 'nvme0', 'sde', 'sdf']);
    expect(byDevice.sda).to.deep.equal({
      device: 'sda', model: 'WDC WD40EFRX-68N32N0', serial: 'SIM-HDD-0001', protocol: 'ata', availability: 'available',
      verdict: 'ok', reasons: [], temperatureC: 34, powerOnHours: 21340, acknowledged: [],
    });
    expect(byDevice.sdd.verdict).to.equal('failing');
    expect(byDevice.sdd.reasons).to.include('the drive reports its overall SMART health as FAILED');
    expect(byDevice.sdb).to.include({ verdict: 'warning' });
    expect(byDevice.nvme0).to.include({ protocol: 'nvme', verdict: 'ok' });
    expect(byDevice.sde).to.include({ protocol: 'scsi' });
    expect(byDevice.sdf).to.include({ availability: 'unsupported', verdict: 'unknown' });
  });

  it('shows one disk with attributes and its self-test log; runs a self-test to completion', async () => {
    let res = await call('POST', '/api/smart/disks/sda/self-test', { kind: 'short' });
    expect(res.status).to.equal(202);
    expect((await call('POST', '/api/smart/disks/sda/self-test', { kind: 'long' })).status).to.equal(409);
    expect((await call('POST', '/api/smart/disks/sdf/self-test', { kind: 'short' })).status).to.equal(501);
    expect((await call('POST', '/api/smart/disks/sda/self-test', { kind: 'conveyance' })).status).to.equal(400);
    res = await call('GET', '/api/smart/disks/sda');
    expect(res.body.selfTestRunning).to.deep.include({ type: 'short' });
    await simulate({ advanceSeconds: 180 });
    res = await call('GET', '/api/smart/disks/sda');
    expect(res.body.selfTestRunning).to.equal(null);
    expect(res.body.selfTests[0]).to.include({ type: 'Short offline', status: 'Completed without error', passed: true });
    expect(res.body.attributes.map((a: { key: string }) => a.key)).to.include.members(['ata.5', 'ata.197', 'ata.199']);
    expect((await call('GET', '/api/smart/disks/sdz')).status).to.equal(404);
  });

  it('acknowledges a warning at its value; warns again only when the value grows', async () => {
    expect((await disk('sdb')).reasons).to.deep.equal(['3 UDMA CRC errors (check the cable)']);
    let res = await call('POST', '/api/smart/disks/sdb/acknowledgements', { attribute: 'ata.199' });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ attribute: 'ata.199', value: 3, by: 'admin' });
    let sdb = await disk('sdb');
    expect(sdb.verdict).to.equal('ok');
    expect(sdb.acknowledged).to.have.length(1);
    expect(sdb.acknowledged[0]).to.include({ attribute: 'ata.199', value: 3, by: 'admin', currentValue: 3, active: true });

    await simulate({ smartAttribute: { device: 'sdb', attribute: 'ata.199', value: 5 } });
    sdb = await disk('sdb');
    expect(sdb.verdict).to.equal('warning');
    expect(sdb.acknowledged[0]).to.include({ value: 3, currentValue: 5, active: false });

    res = await call('POST', '/api/smart/disks/sdd/acknowledgements', { attribute: 'ata.5' });
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.contain('cannot be acknowledged');
    expect((await call('POST', '/api/smart/disks/sda/acknowledgements', { attribute: 'ata.199' })).status).to.equal(409);
    expect((await call('POST', '/api/smart/disks/sdb/acknowledgements', { attribute: 'ATA.199; drop' })).status).to.equal(400);

    expect((await call('DELETE', '/api/smart/disks/sdb/acknowledgements/ata.199')).status).to.equal(204);
    expect((await call('DELETE', '/api/smart/disks/sdb/acknowledgements/ata.199')).status).to.equal(404);
    const audit = await call('GET', '/api/audit?action=smart.ack');
    expect(audit.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).to.include.members(['smart.ack.add:success', 'smart.ack.add:failure', 'smart.ack.remove:success']);
  });

  it('stores scans so an attribute can be charted over time', async () => {
    await simulate({ smartAttribute: { device: 'sdb', attribute: 'ata.199', value: 7 } });
    let res = await call('POST', '/api/smart/scan');
    expect(res.body.recorded).to.equal(6);
    await simulate({ advanceSeconds: 2 * 3600, smartAttribute: { device: 'sdb', attribute: 'ata.199', value: 9 } });
    await call('POST', '/api/smart/scan');
    res = await call('GET', '/api/smart/disks/sdb/history?attribute=ata.199');
    expect(res.status).to.equal(200);
    expect(res.body.points.map((p: { value: number }) => p.value)).to.deep.equal([7, 9]);
    expect(res.body.points[1].at - res.body.points[0].at).to.equal(2 * 3600_000);
    expect(res.body.scans.map((s: { verdict: string }) => s.verdict)).to.deep.equal(['warning', 'warning']);
    res = await call('GET', '/api/smart/disks/sda/history?attribute=power_on_hours');
    expect(res.body.points.map((p: { value: number }) => p.value)).to.deep.equal([21340, 21342]);
    res = await call('GET', `/api/smart/disks/sda/history?attribute=temperature&from=${res.body.points[1].at}`);
    expect(res.body.points).to.have.length(1);
    expect((await call('GET', '/api/smart/disks/sda/history?attribute=x&limit=0')).status).to.equal(400);
    expect((await call('GET', '/api/smart/disks/sda/history?bogus=1')).status).to.equal(400);
  });
});
