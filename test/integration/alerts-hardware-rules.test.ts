import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startSmtpServer } from '../helpers/receivers.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const SMTP_USER = 'nasd-mailer';
const SMTP_PASS = 'hardware-mail-pass';

/**
 * The hardware and filesystem rules, each driven through POST /api/hardware/simulation on the
 * simulated backends (manual clock) and checked for one alert and one mail, then clearing.
 */
describeEachDb('alerts: disk temperature, vanished disks, stale sensors, filesystem, SMART warnings', (kind) => {
  let srv: TestServer;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const simulate = async (body: unknown) => {
    const res = await call('POST', '/api/hardware/simulation', body);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };
  const evaluate = async (times = 1) => {
    for (let i = 0; i < times; i++) expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
    await srv.nasd.alerts.idle(); // notifications are queued: wait until they were delivered
  };
  const open = async (ruleId: string) =>
    ((await call('GET', '/api/alerts/?state=open')).body.items as { ruleId: string; key: string; severity: string; details: Record<string, unknown> }[]).filter((a) => a.ruleId === ruleId);
  /** Subjects of the mails received while `work` ran. */
  const mailsDuring = async (work: () => Promise<void>): Promise<string[]> => {
    const before = smtp.mails.length;
    await work();
    return smtp.mails.slice(before).map((m) => m.subject);
  };

  before(async function () {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    srv = await startTestServer(this, kind, {
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      alerts: {
        evaluateIntervalSeconds: 0,
        clearAfterSeconds: 0,
        smartMaxAgeSeconds: 0,
        smtpUrl: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtp.port}`,
        smtpFrom: 'nasd@example.test',
        email: ['owner@example.test'],
      },
    });
    admin = (await loginAdmin(srv)).accessToken;
    await evaluate(); // what the simulation starts with opens now
  });
  after(async () => {
    await srv?.close();
    await smtp?.close();
  });

  it('a disk above its temperature threshold opens one warning (not a SMART warning); cooling down closes it', async () => {
    const mails = await mailsDuring(async () => {
      await simulate({ diskTemperature: { device: 'sda', celsius: 61 } });
      await evaluate(3);
    });
    const hot = await open('smart.temperature');
    expect(hot.map((a) => a.key)).to.deep.equal(['sda']);
    expect(hot[0]).to.deep.include({ severity: 'warning' });
    expect(hot[0].details).to.deep.include({ temperatureC: 61, limitC: 60 });
    expect((await open('smart.warning')).map((a) => a.key), 'heat alone is not a SMART warning').to.not.include('sda');
    expect(mails).to.deep.equal(['nasd warning: Disk sda is too hot']);

    await simulate({ diskTemperature: { device: 'sda', celsius: 59 } });
    await evaluate();
    expect(await open('smart.temperature')).to.deep.equal([]);
  });

  it('a disk that disappears opens one critical alert; it closes, with a resolved mail, when the disk is back', async () => {
    const mails = await mailsDuring(async () => {
      await simulate({ diskPresent: { device: 'sdc', present: false } });
      await evaluate(3);
      const gone = await open('smart.disappeared');
      expect(gone.map((a) => a.key)).to.deep.equal(['sdc']);
      expect(gone[0]).to.deep.include({ severity: 'critical' });
      expect(gone[0].details).to.deep.include({ serial: 'SIM-SSD-0001' });
      await simulate({ diskPresent: { device: 'sdc', present: true } });
      await evaluate(2);
    });
    expect(await open('smart.disappeared')).to.deep.equal([]);
    expect(mails).to.deep.equal(['nasd critical: Disk sdc disappeared', 'nasd critical: Resolved: Disk sdc disappeared']);
  });

  it('a sensor that stops updating puts its fan in failsafe as a stale-sensor warning, not a critical failsafe', async () => {
    const curve = { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 30 }, { tempC: 60, duty: 100 }] };
    expect((await call('PUT', '/api/fans/sim.pwm2/curve', curve)).status).to.equal(200);
    const mails = await mailsDuring(async () => {
      await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'stale' } });
      await simulate({ advanceSeconds: 120 });
      await evaluate(2);
    });
    const stale = await open('fans.sensor_stale');
    expect(stale.map((a) => a.key)).to.deep.equal(['sim.pwm2']);
    expect(stale[0]).to.deep.include({ severity: 'warning' });
    expect(await open('fans.failsafe')).to.deep.equal([]);
    expect(mails).to.deep.equal(['nasd warning: Sensor for fan sim.pwm2 is stale']);

    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'ok' } });
    await simulate({ advanceSeconds: 10 });
    await evaluate();
    expect(await open('fans.sensor_stale')).to.deep.equal([]);
  });

  it('the storage filesystem past 90 % opens a warning, past 95 % a critical instead, and both close below 90 %', async () => {
    const mails = await mailsDuring(async () => {
      await simulate({ filesystemUsedPercent: 89.9 });
      await evaluate();
      expect(await open('storage.filesystem_90')).to.deep.equal([]);
      await simulate({ filesystemUsedPercent: 91 });
      await evaluate(2);
      const at90 = await open('storage.filesystem_90');
      expect(at90.map((a) => [a.key, a.severity, a.details.percent])).to.deep.equal([['storage', 'warning', 91]]);
      await simulate({ filesystemUsedPercent: 96 });
      await evaluate(2);
      expect((await open('storage.filesystem_95')).map((a) => [a.key, a.severity, a.details.percent])).to.deep.equal([['storage', 'critical', 96]]);
      expect(await open('storage.filesystem_90'), 'one alert at a time for one filesystem').to.deep.equal([]);
    });
    expect(mails).to.deep.equal(['nasd warning: The storage filesystem is over 90 % full', 'nasd critical: The storage filesystem is over 95 % full']);

    await simulate({ filesystemUsedPercent: 50 });
    await evaluate();
    expect([...(await open('storage.filesystem_90')), ...(await open('storage.filesystem_95'))]).to.deep.equal([]);
  });

  it('a healthy disk that gains a SMART warning goes straight from ok to one warning alert and one mail', async () => {
    const before = (await call('GET', '/api/smart/disks/sda')).body;
    expect(before.verdict, JSON.stringify(before.findings)).to.equal('ok');
    const mails = await mailsDuring(async () => {
      await simulate({ smartAttribute: { device: 'sda', attribute: 'ata.199', value: 4 } });
      await evaluate(3);
    });
    const warned = (await open('smart.warning')).filter((a) => a.key === 'sda');
    expect(warned).to.have.length(1);
    expect(warned[0].details.reasons).to.match(/CRC/);
    expect((await open('smart.failing')).map((a) => a.key)).to.not.include('sda');
    expect(mails).to.deep.equal(['nasd warning: Disk sda shows SMART warnings']);
  });

  it('refuses simulation values that make no sense and disks that do not exist', async () => {
    const bad = [{ filesystemUsedPercent: 101 }, { filesystemUsedPercent: -1 }, { diskTemperature: { device: 'sda', celsius: 1000 } }, { diskPresent: { device: '../sda', present: false } }];
    for (const body of bad) expect((await call('POST', '/api/hardware/simulation', body)).status, JSON.stringify(body)).to.equal(400);
    expect((await call('POST', '/api/hardware/simulation', { diskTemperature: { device: 'sdz', celsius: 40 } })).status).to.equal(404);
  });
});
