import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { nextDuty, interpolate, dutyToPwm, type FanCurve } from '../../../hardware/fans/curve.js';
import { HwmonFanBackend } from '../../../hardware/fans/hwmon.js';
import { SimulatedFanBackend, ThermalModel } from '../../../hardware/fans/simulated.js';
import { CpufreqPowerBackend } from '../../../hardware/power/cpufreq.js';
import { currentProfile, profileSettings } from '../../../hardware/power/profiles.js';
import { SimulatedPowerBackend } from '../../../hardware/power/simulated.js';
import { SimClock } from '../../../hardware/sim-clock.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

describe('hardware/power: cpufreq sysfs and profiles', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let sys: string;
  beforeEach(() => {
    tmp = makeTmpDir();
    fs.cpSync('test/fixtures/sysfs/nas1/sys', tmp.dir, { recursive: true });
    sys = tmp.dir;
  });
  afterEach(() => tmp.remove());

  it('reads governors, EPP and the current frequency per CPU', async () => {
    const cpus = await new CpufreqPowerBackend(sys).listCpus();
    expect(cpus).to.have.length(2);
    expect(cpus[1]).to.deep.equal({
      cpu: 1, governor: 'powersave', availableGovernors: ['performance', 'powersave'], epp: 'balance_performance',
      availableEpp: ['default', 'performance', 'balance_performance', 'balance_power', 'power'], curKHz: 3400117, minKHz: 800000, maxKHz: 4200000,
    });
    expect(currentProfile(cpus)).to.equal('balanced');
    expect(await CpufreqPowerBackend.detect(sys)).to.equal(true);
    expect(await CpufreqPowerBackend.detect(path.join(sys, 'nowhere'))).to.equal(false);
  });

  it('applies a profile to every CPU: the writes land in the files', async () => {
    const power = new CpufreqPowerBackend(sys);
    const [cpu0] = await power.listCpus();
    await power.apply(profileSettings('performance', cpu0));
    for (const c of [0, 1]) {
      expect(read(sys, `devices/system/cpu/cpu${c}/cpufreq/scaling_governor`)).to.equal('performance\n');
      expect(read(sys, `devices/system/cpu/cpu${c}/cpufreq/energy_performance_preference`)).to.equal('performance\n');
    }
    await power.apply(profileSettings('power-saving', cpu0));
    expect(read(sys, 'devices/system/cpu/cpu1/cpufreq/energy_performance_preference')).to.equal('power\n');
    expect(currentProfile(await power.listCpus())).to.equal('power-saving');
  });

  it('refuses a governor the CPUs do not offer, writing nothing', async () => {
    const power = new CpufreqPowerBackend(sys);
    try {
      await power.apply({ governor: 'schedutil' });
      expect.fail('should refuse');
    } catch (err) {
      expect((err as { code: string }).code).to.equal('VALIDATION');
    }
    expect(read(sys, 'devices/system/cpu/cpu0/cpufreq/scaling_governor')).to.equal('powersave\n');
  });

  it('simulated CPUs follow governor and load', async () => {
    let load = 0;
    const power = new SimulatedPowerBackend(() => load);
    await power.apply({ governor: 'performance' });
    expect((await power.listCpus())[0].curKHz).to.equal(3_600_000);
    await power.apply({ governor: 'schedutil', epp: 'performance' });
    const idle = (await power.listCpus())[0].curKHz as number;
    load = 1;
    expect((await power.listCpus())[0].curKHz).to.be.greaterThan(idle);
    expect(currentProfile(await power.listCpus())).to.equal('custom');
  });
});

describe('hardware/fans: hwmon sysfs, curves and the thermal model', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  beforeEach(() => {
    tmp = makeTmpDir();
    fs.cpSync('test/fixtures/sysfs/nas1/sys', tmp.dir, { recursive: true });
  });
  afterEach(() => tmp.remove());

  it('lists fans (pwm, mode, rpm, labels) and temperature sensors', async () => {
    const fans = new HwmonFanBackend(tmp.dir, () => 1000);
    expect(await fans.listFans()).to.deep.equal([
      { id: 'nct6775.pwm1', label: 'CPU fan', rpm: 812, pwm: 128, mode: 2, controllable: true },
      { id: 'nct6775.pwm2', label: 'nct6775 fan 2', rpm: 640, pwm: 96, mode: 5, controllable: true },
      { id: 'nct6775.fan3', label: 'nct6775 fan 3', rpm: 0, pwm: null, mode: null, controllable: false },
    ]);
    const sensors = await fans.listSensors();
    expect(sensors.map((s) => `${s.id}=${s.celsius} ${s.label}`)).to.deep.equal([
      'coretemp.temp1=45 Package id 0', 'coretemp.temp2=43 Core 0', 'drivetemp.temp1=36 drivetemp temp 1', 'nct6775.temp1=38 SYSTIN', 'nct6775.temp2=41.5 CPUTIN',
    ]);
  });

  it('writes pwm and pwm_enable, validating ids and values', async () => {
    const fans = new HwmonFanBackend(tmp.dir);
    await fans.setMode('nct6775.pwm1', 1);
    await fans.setPwm('nct6775.pwm1', 200);
    expect(read(tmp.dir, 'class/hwmon/hwmon1/pwm1_enable')).to.equal('1\n');
    expect(read(tmp.dir, 'class/hwmon/hwmon1/pwm1')).to.equal('200\n');
    for (const [id, value] of [['nct6775.pwm1', 256], ['nct6775.pwm9', 10], ['../hwmon0.pwm1', 10], ['nct6775.temp1', 10]] as const) {
      try {
        await fans.setPwm(id, value);
        expect.fail(`should refuse ${id}=${value}`);
      } catch (err) {
        expect((err as { code: string }).code).to.be.oneOf(['VALIDATION', 'DEVICE_NOT_FOUND']);
      }
    }
  });

  it('reports a sensor read failure as a reading with an error, not a throw', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'class/hwmon/hwmon0/temp1_input'), 'garbage');
    const s = await new HwmonFanBackend(tmp.dir).readSensor('coretemp.temp1');
    expect(s.celsius).to.equal(null);
    expect(s.error).to.be.a('string');
  });

  it('interpolates curves and holds the duty within the hysteresis on the way down', () => {
    const curve: FanCurve = { sensorId: 'x', points: [{ tempC: 30, duty: 20 }, { tempC: 50, duty: 60 }, { tempC: 70, duty: 100 }], minDuty: 25, maxDuty: 90, hysteresisC: 3 };
    expect(interpolate(curve.points, 40)).to.equal(40);
    let s = nextDuty(curve, 20, null);
    expect(s.duty).to.equal(25);
    s = nextDuty(curve, 60, s);
    expect(s).to.deep.equal({ duty: 80, atTempC: 60 });
    expect(nextDuty(curve, 58, s).duty).to.equal(80);
    expect(nextDuty(curve, 57, s).duty).to.equal(74);
    expect(nextDuty(curve, 95, s).duty).to.equal(90);
    expect(dutyToPwm(100)).to.equal(255);
  });

  it('the simulated CPU heats with load and cools with its fan', async () => {
    const clock = new SimClock('manual');
    const model = new ThermalModel(clock);
    const fans = new SimulatedFanBackend(model, clock);
    model.load = 1;
    clock.advance(300_000);
    const hot = (await fans.readSensor('sim.temp1')).celsius as number;
    await fans.setMode('sim.pwm1', 1);
    await fans.setPwm('sim.pwm1', 255);
    clock.advance(300_000);
    const cooled = (await fans.readSensor('sim.temp1')).celsius as number;
    expect(hot).to.be.greaterThan(55);
    expect(cooled).to.be.lessThan(hot - 10);
    fans.setFault('sim.temp1', 'stale');
    clock.advance(60_000);
    expect((await fans.readSensor('sim.temp1')).readAt).to.be.lessThan(clock.now());
    fans.setFault('sim.temp1', 'error');
    expect((await fans.readSensor('sim.temp1')).celsius).to.equal(null);
  });
});
