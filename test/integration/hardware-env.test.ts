import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

describeEachDb('hardware API: power, fans and telemetry (simulated)', (kind) => {
  let srv: TestServer;
  let admin: string;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const simulate = (body: unknown) => call('POST', '/api/hardware/simulation', body);
  const cpuFan = async () => (await call('GET', '/api/fans')).body.fans.find((f: { id: string }) => f.id === 'sim.pwm1');

  before(async function () {
    srv = await startTestServer(this, kind, { hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  it('shows governors and frequency per core and applies profiles to every CPU', async () => {
    let res = await call('GET', '/api/power');
    expect(res.body).to.include({ backend: 'simulated', profile: 'balanced' });
    expect(res.body.cpus).to.have.length(4);
    res = await call('PUT', '/api/power/profile', { profile: 'performance' });
    expect(res.status).to.equal(200);
    expect(res.body.profile).to.equal('performance');
    expect(res.body.cpus.every((c: { governor: string; curKHz: number }) => c.governor === 'performance' && c.curKHz === 3_600_000)).to.equal(true);
    res = await call('PUT', '/api/power/profile', { profile: 'power-saving' });
    expect(res.body.cpus[0]).to.include({ governor: 'powersave', epp: 'power', curKHz: 800_000 });
    expect((await call('PUT', '/api/power/profile', { profile: 'turbo' })).status).to.equal(400);
    expect((await call('PUT', '/api/power/profile', { profile: 'balanced', governor: 'x' })).status).to.equal(400);
  });

  it('lists every profile with the governor and EPP it would set on these CPUs', async () => {
    const res = await call('GET', '/api/power');
    expect(res.body.profiles).to.deep.equal([
      { name: 'power-saving', governor: 'powersave', epp: 'power', available: true },
      { name: 'balanced', governor: 'schedutil', epp: 'balance_performance', available: true },
      { name: 'performance', governor: 'performance', epp: 'performance', available: true },
    ]);
  });

  it('drives a fan from its curve as the simulated CPU heats up, with hysteresis persisted in the DB', async () => {
    const curve = { sensorId: 'sim.temp1', points: [{ tempC: 35, duty: 20 }, { tempC: 50, duty: 50 }, { tempC: 70, duty: 100 }], minDuty: 25, maxDuty: 100, hysteresisC: 2 };
    let res = await call('PUT', '/api/fans/sim.pwm1/curve', curve);
    expect(res.status).to.equal(200);
    let fan = await cpuFan();
    expect(fan).to.include({ mode: 1 });
    expect(fan.curve).to.include({ sensorId: 'sim.temp1', hysteresisC: 2, updatedBy: 'admin' });
    const idleDuty = fan.duty;
    await simulate({ cpuLoad: 1, advanceSeconds: 300 });
    fan = await cpuFan();
    expect(fan.duty).to.be.greaterThan(idleDuty);
    const cpu = (await call('GET', '/api/fans')).body.sensors.find((s: { id: string }) => s.id === 'sim.temp1');
    expect(cpu.celsius).to.be.greaterThan(45);
    await simulate({ cpuLoad: 0.05, advanceSeconds: 600 });
    expect((await cpuFan()).duty).to.be.lessThan(fan.duty);
  });

  it('fails safe: a sensor that errors or goes stale drives its fan to full and says why', async () => {
    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'error' }, advanceSeconds: 5 });
    let fan = await cpuFan();
    expect(fan).to.include({ duty: 100, pwm: 255 });
    expect(fan.failsafe.reason).to.contain('could not be read');
    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'ok' }, advanceSeconds: 5 });
    fan = await cpuFan();
    expect(fan.failsafe).to.equal(null);
    expect(fan.duty).to.be.lessThan(100);
    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'stale' }, advanceSeconds: 60 });
    fan = await cpuFan();
    expect(fan.failsafe.reason).to.match(/stale/);
    expect(fan.pwm).to.equal(255);
    await simulate({ sensorFault: { sensor: 'sim.temp1', fault: 'ok' }, advanceSeconds: 5 });
  });

  it('validates curves and hands a fan back to the chip when its curve is dropped', async () => {
    const bad: [string, unknown, number][] = [
      ['/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }] }, 400],
      ['/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }, { tempC: 30, duty: 90 }] }, 400],
      ['/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }, { tempC: 60, duty: 190 }] }, 400],
      ['/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }, { tempC: 60, duty: 90 }], minDuty: 80, maxDuty: 40 }, 400],
      ['/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp9', points: [{ tempC: 30, duty: 20 }, { tempC: 60, duty: 90 }] }, 404],
      ['/api/fans/sim.pwm7/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }, { tempC: 60, duty: 90 }] }, 404],
      ['/api/fans/..%2Fpwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 20 }, { tempC: 60, duty: 90 }] }, 400],
    ];
    for (const [path, body, status] of bad) expect((await call('PUT', path, body)).status, `${path} ${JSON.stringify(body)}`).to.equal(status);
    expect((await call('DELETE', '/api/fans/sim.pwm1/curve')).status).to.equal(204);
    const fan = await cpuFan();
    expect(fan).to.include({ mode: 2, curve: null });
    expect((await call('DELETE', '/api/fans/sim.pwm1/curve')).status).to.equal(404);
  });

  it('answers a live snapshot and stored history with roll-ups', async () => {
    const live = await call('GET', '/api/telemetry/live');
    expect(live.body.backend).to.equal('simulated');
    expect(live.body.sample).to.include.keys('cpuLoadPercent', 'memUsedBytes', 'diskReadBps', 'netRxBps', 'fsUsedBytes', 'filesystems');
    const start = live.body.sample.at;
    for (let i = 0; i < 12; i++) {
      await simulate({ advanceSeconds: 30 });
      await srv.nasd.hardware.telemetry.sampleNow();
    }
    let res = await call('GET', `/api/telemetry/history?from=${start}&resolution=raw`);
    expect(res.body.resolution).to.equal('raw');
    expect(res.body.points.length).to.equal(13);
    res = await call('GET', `/api/telemetry/history?from=${start - 120_000}&resolution=1m`);
    expect(res.body.points.length).to.be.within(4, 6);
    expect(res.body.points[0].samples).to.be.within(1, 2);
    expect((await call('GET', '/api/telemetry/history?from=10&to=5')).status).to.equal(400);
    expect((await call('GET', '/api/telemetry/history')).status).to.equal(400);
    expect((await call('GET', `/api/telemetry/history?from=${start}`)).body.resolution).to.equal('raw');
  });
});
