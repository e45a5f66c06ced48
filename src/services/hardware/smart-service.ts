import { audited, type AuditLog } from '../../audit/index.js';
import type { Principal, RequestActor } from '../../lib/request-actor.js';
import { HardwareError } from '../../lib/errors.js';
import {
  applyAcknowledgements,
  escalateGrowth,
  GROWTH_TRACKED,
  SMART_THRESHOLDS,
  verdictOf,
  type BackendKind,
  type SelfTestKind,
  type SmartBackend,
  type SmartDisk,
  type SmartVerdict,
} from '../../../hardware/index.js';
import { diskKey, SmartStore, type StoredAcknowledgement } from './smart-store.js';

/** An acknowledgement as shown with a disk: `active` while it still silences a warning (the value has not grown). */
export interface DiskAcknowledgement extends StoredAcknowledgement {
  currentValue: number | null;
  active: boolean;
}

/** A disk as the API lists it (`GET /api/smart/disks`). */
export interface SmartDiskSummary {
  device: string;
  model: string | null;
  serial: string | null;
  protocol: SmartDisk['protocol'];
  availability: SmartDisk['availability'];
  verdict: SmartVerdict;
  reasons: string[];
  temperatureC: number | null;
  powerOnHours: number | null;
  acknowledged: DiskAcknowledgement[];
}

export type SmartDiskDetail = SmartDiskSummary & Pick<SmartDisk, 'capacityBytes' | 'attributes' | 'selfTests' | 'selfTestRunning' | 'findings' | 'type'>;

/**
 * SMART orchestration: verdicts with acknowledgements applied, scan history, self-tests. An
 * acknowledgement silences one warning on one disk at the value the admin saw; a grown value
 * warns again, and failing findings can never be silenced.
 */
export class SmartService {
  private latest: { at: number; disks: SmartDiskSummary[]; failedSelfTests: string[] } | null = null;

  constructor(
    private readonly backend: SmartBackend,
    private readonly store: SmartStore,
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {}

  get kind(): BackendKind {
    return this.backend.kind;
  }

  private async present(disk: SmartDisk): Promise<SmartDiskDetail> {
    const acks = await this.store.acknowledgements(diskKey(disk));
    const grown = escalateGrowth(disk.findings, await this.baseline(disk));
    const findings = applyAcknowledgements(grown, acks);
    const verdict = disk.verdict === 'unknown' ? 'unknown' : verdictOf(findings);
    const acknowledged = acks.map((a) => {
      const current = disk.attributes.find((x) => x.key === a.attribute)?.value ?? (a.attribute === 'temperature' ? disk.temperatureC : null);
      return { ...a, currentValue: current, active: current === null || current <= a.value };
    });
    return {
      device: disk.device, model: disk.model, serial: disk.serial, protocol: disk.protocol, availability: disk.availability,
      verdict, reasons: verdict === 'unknown' ? disk.notes : findings.map((f) => f.message),
      temperatureC: disk.temperatureC, powerOnHours: disk.powerOnHours, acknowledged,
      type: disk.type, capacityBytes: disk.capacityBytes, attributes: disk.attributes, selfTests: disk.selfTests,
      selfTestRunning: disk.selfTestRunning, findings: grown,
    };
  }

  /** The lowest value of each growth-tracked counter the disk reports, over the growth window of its scan history. */
  private async baseline(disk: SmartDisk): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const since = this.now() - SMART_THRESHOLDS.growthWindowMs;
    for (const key of GROWTH_TRACKED) {
      if (!disk.findings.some((f) => f.key === key)) continue;
      const lowest = await this.store.lowestSince(disk.device, key, since);
      if (lowest !== null) out.set(key, lowest);
    }
    return out;
  }

  private summary(d: SmartDiskDetail): SmartDiskSummary {
    const { type: _t, capacityBytes: _c, attributes: _a, selfTests: _s, selfTestRunning: _r, findings: _f, ...summary } = d;
    return summary;
  }

  /** Every disk, read now. */
  async list(): Promise<{ backend: BackendKind; disks: SmartDiskSummary[] }> {
    const disks: SmartDiskSummary[] = [];
    const failedSelfTests: string[] = [];
    for (const d of await this.backend.listDisks()) {
      disks.push(this.summary(await this.present(d)));
      if (d.selfTests[0]?.passed === false) failedSelfTests.push(d.device);
    }
    this.latest = { at: this.now(), disks, failedSelfTests };
    return { backend: this.backend.kind, disks };
  }

  /** The last list if younger than `maxAgeMs`, else a fresh one (for /metrics scrapes). */
  async cached(maxAgeMs: number): Promise<SmartDiskSummary[]> {
    if (this.latest && this.now() - this.latest.at <= maxAgeMs) return this.latest.disks;
    return (await this.list()).disks;
  }

  /** Disks whose latest self-test failed, as of the last list. */
  failedSelfTests(): string[] {
    return this.latest?.failedSelfTests ?? [];
  }

  async get(device: string): Promise<SmartDiskDetail & { backend: BackendKind }> {
    return { backend: this.backend.kind, ...(await this.present(await this.backend.getDisk(device))) };
  }

  /** Reads every disk and stores the scan (history); disks that did not answer are not stored. */
  async scan(): Promise<{ at: number; recorded: number }> {
    const at = this.now();
    let recorded = 0;
    for (const d of await this.backend.listDisks()) {
      if (d.availability !== 'available') continue;
      const shown = await this.present(d);
      await this.store.recordScan(at, d, shown.verdict, shown.reasons);
      recorded++;
    }
    return { at, recorded };
  }

  async history(device: string, attribute: string, from: number, to: number, limit: number) {
    await this.backend.getDisk(device); // 404 for a disk the backend does not list
    return { device, attribute, points: await this.store.history(device, attribute, from, to, limit), scans: await this.store.scans(device, from, to, limit) };
  }

  startSelfTest(actor: RequestActor, device: string, kind: SelfTestKind): Promise<void> {
    return audited(this.audit, actor, 'smart.selftest.start', device, { kind }, () => this.backend.startSelfTest(device, kind));
  }

  acknowledge(actor: RequestActor<Principal>, device: string, attribute: string): Promise<StoredAcknowledgement> {
    return audited(this.audit, actor, 'smart.ack.add', `${device}/${attribute}`, { attribute }, async () => {
      const disk = await this.backend.getDisk(device);
      const findings = escalateGrowth(disk.findings, await this.baseline(disk)).filter((f) => f.key === attribute);
      // An attribute can carry a warning (its count) and a failure (below its vendor threshold): the failure wins.
      const finding = findings.find((f) => f.severity === 'failing') ?? findings[0];
      if (!finding) {
        const open = disk.findings.filter((f) => f.severity === 'warning').map((f) => f.key);
        throw new HardwareError('CONFLICT', `${device} has no warning on ${attribute} to acknowledge (warnings: ${open.join(', ') || 'none'})`);
      }
      if (finding.severity === 'failing') throw new HardwareError('CONFLICT', `${device}: ${finding.message} — a failing value cannot be acknowledged`);
      const at = this.now();
      await this.store.acknowledge(diskKey(disk), attribute, finding.value, { id: actor.principal.userId, name: actor.principal.username }, at);
      return { attribute, value: finding.value, by: actor.principal.username, at };
    });
  }

  unacknowledge(actor: RequestActor, device: string, attribute: string): Promise<void> {
    return audited(this.audit, actor, 'smart.ack.remove', `${device}/${attribute}`, { attribute }, async () => {
      const disk = await this.backend.getDisk(device);
      if (!(await this.store.unacknowledge(diskKey(disk), attribute))) throw new HardwareError('NOT_FOUND', `${device} has no acknowledgement on ${attribute}`);
    });
  }
}
