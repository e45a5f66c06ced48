import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { HwmonFanBackend } from '../../../hardware/fans/hwmon.js';
import { SimulatedFanBackend, ThermalModel } from '../../../hardware/fans/simulated.js';
import { CpufreqPowerBackend } from '../../../hardware/power/cpufreq.js';
import { SimulatedPowerBackend } from '../../../hardware/power/simulated.js';
import { MdadmRaidBackend } from '../../../hardware/raid/mdadm.js';
import { SimulatedRaidBackend } from '../../../hardware/raid/simulated.js';
import { SimClock } from '../../../hardware/sim-clock.js';
import { SmartctlBackend } from '../../../hardware/smart/smartctl.js';
import { SimulatedSmartBackend } from '../../../hardware/smart/simulated.js';
import type { FanBackend, PowerBackend, RaidBackend, SmartBackend } from '../../../hardware/types.js';
import { runCommand } from '../../../src/lib/exec.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const FIXTURES = path.resolve('test/fixtures');

interface Kit {
  raid: RaidBackend;
  smart: SmartBackend;
  power: PowerBackend;
  fans: FanBackend;
  cleanup(): void;
}

/** The real backends over a copy of the recorded box, with the fake smartctl/mdadm scripts run for real. */
function realKit(): Kit {
  const tmp = makeTmpDir();
  fs.cpSync(path.join(FIXTURES, 'sysfs/nas1'), tmp.dir, { recursive: true });
  const sys = path.join(tmp.dir, 'sys');
  return {
    raid: new MdadmRaidBackend({ procRoot: path.join(tmp.dir, 'proc'), sysRoot: sys, mdadm: path.join(FIXTURES, 'mdadm/fake-mdadm.sh'), run: runCommand }),
    smart: new SmartctlBackend({ smartctl: path.join(FIXTURES, 'smartctl/fake-smartctl.sh'), run: runCommand }),
    power: new CpufreqPowerBackend(sys),
    fans: new HwmonFanBackend(sys),
    cleanup: tmp.remove,
  };
}

function simulatedKit(): Kit {
  const clock = new SimClock('manual');
  const model = new ThermalModel(clock);
  return {
    raid: new SimulatedRaidBackend(clock),
    smart: new SimulatedSmartBackend(clock),
    power: new SimulatedPowerBackend(() => model.load),
    fans: new SimulatedFanBackend(model, clock),
    cleanup: () => undefined,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'resolved';
}

/** One conformance suite, run against every backend kind: services rely on exactly these behaviours. */
for (const [name, make] of [['real (recorded)', realKit], ['simulated', simulatedKit]] as const) {
  describe(`hardware backend contract: ${name}`, () => {
    let kit: Kit;
    beforeEach(() => {
      kit = make();
    });
    afterEach(() => kit.cleanup());

    it('raid: arrays are well formed and unknown names are DEVICE_NOT_FOUND', async () => {
      const arrays = await kit.raid.listArrays();
      expect(arrays.length).to.be.greaterThan(0);
      for (const a of arrays) {
        expect(a).to.have.all.keys('name', 'level', 'state', 'sizeBytes', 'degraded', 'disks', 'members', 'sync');
        expect(a.disks.total).to.equal(a.members.length);
        for (const m of a.members) expect(m.role).to.be.oneOf(['active', 'spare', 'faulty']);
      }
      const first = arrays[arrays.length - 1];
      expect(await codeOf(kit.raid.getArray('md99'))).to.equal('DEVICE_NOT_FOUND');
      expect(await codeOf(kit.raid.failMember(first.name, 'nope0'))).to.equal('DEVICE_NOT_FOUND');
      expect(await codeOf(kit.raid.addMember(first.name, 'nope0'))).to.equal('DEVICE_NOT_FOUND');
      expect(await codeOf(kit.raid.removeMember(first.name, first.members[0].device))).to.equal('CONFLICT');
      expect(await codeOf(kit.raid.stopScrub(first.name))).to.equal('CONFLICT');
    });

    it('smart: disks are well formed, verdicts known, unknown devices DEVICE_NOT_FOUND', async () => {
      const disks = await kit.smart.listDisks();
      expect(disks.some((d) => d.verdict === 'failing')).to.equal(true);
      expect(disks.some((d) => d.availability === 'unsupported')).to.equal(true);
      for (const d of disks) {
        expect(d.protocol).to.be.oneOf(['ata', 'nvme', 'scsi']);
        expect(d.verdict).to.be.oneOf(['ok', 'warning', 'failing', 'unknown']);
        if (d.availability !== 'available') expect(d.verdict).to.equal('unknown');
      }
      expect(await codeOf(kit.smart.getDisk('sdq'))).to.equal('DEVICE_NOT_FOUND');
      expect(await codeOf(kit.smart.startSelfTest('sdq', 'short'))).to.equal('DEVICE_NOT_FOUND');
    });

    it('power: every CPU lists its governors; an unoffered governor is VALIDATION', async () => {
      const cpus = await kit.power.listCpus();
      expect(cpus.length).to.be.greaterThan(0);
      for (const c of cpus) expect(c.availableGovernors).to.include(c.governor);
      expect(await codeOf(kit.power.apply({ governor: 'warp-speed' }))).to.equal('VALIDATION');
      await kit.power.apply({ governor: 'performance' });
      expect((await kit.power.listCpus()).every((c) => c.governor === 'performance')).to.equal(true);
    });

    it('fans: controllable fans take pwm 0–255 only; sensors read in °C', async () => {
      const fan = (await kit.fans.listFans()).find((f) => f.controllable);
      if (!fan) throw new Error('no controllable fan');
      await kit.fans.setMode(fan.id, 1);
      await kit.fans.setPwm(fan.id, 77);
      expect((await kit.fans.listFans()).find((f) => f.id === fan.id)).to.include({ pwm: 77, mode: 1 });
      expect(await codeOf(kit.fans.setPwm(fan.id, 300))).to.equal('VALIDATION');
      expect(await codeOf(kit.fans.setPwm('nope.pwm1', 10))).to.equal('DEVICE_NOT_FOUND');
      for (const s of await kit.fans.listSensors()) expect(s.celsius).to.be.within(0, 120);
      expect(await codeOf(kit.fans.readSensor('nope.temp1'))).to.equal('DEVICE_NOT_FOUND');
    });
  });
}
