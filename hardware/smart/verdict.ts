import type { SmartAttribute, SmartFinding, SmartProtocol, SmartVerdict } from '../types.js';

/**
 * Health thresholds, written down in one place. They follow what predicts failure in published
 * field data (Backblaze's drive stats, Google's "Failure Trends in a Large Disk Drive Population"):
 * any reallocated, pending or offline-uncorrectable sector raises the risk sharply, so a single
 * one is a warning and a growing count is a failure; CRC errors are cable/controller trouble, a
 * warning only. NVMe follows its own health log: the controller's critical_warning bits, media
 * errors, wear (percentage_used) and the spare pool against the controller's threshold.
 */
export const SMART_THRESHOLDS = {
  /** ATA 5 Reallocated_Sector_Ct: > 0 warning, ≥ failing. */
  reallocatedFailing: 50,
  /** ATA 197 Current_Pending_Sector and 198 Offline_Uncorrectable: > 0 warning, ≥ failing. */
  pendingFailing: 10,
  offlineUncorrectableFailing: 10,
  /** ATA 187 Reported_Uncorrect: > 0 warning. ATA 199 UDMA_CRC_Error_Count: > 0 warning (never failing: a cable). */
  /** NVMe percentage_used (wear): ≥ warning, ≥ failing. */
  nvmeWearWarning: 90,
  nvmeWearFailing: 100,
  /** NVMe available_spare within this many points above its threshold: warning. */
  nvmeSpareMargin: 10,
  /** NVMe media_errors: > 0 warning, ≥ failing. */
  nvmeMediaErrorsFailing: 10,
  /** SCSI grown defect list: > 0 warning, ≥ failing. Uncorrected read/write/verify errors > 0: warning. */
  scsiGrownDefectsFailing: 50,
  /** Temperature warning (°C): spinning and SAS disks are rated to ~60 °C, NVMe controllers throttle near 75 °C. */
  temperatureWarning: 60,
  nvmeTemperatureWarning: 75,
} as const;

/** The ATA attributes that predict failure, by id. */
const ATA_COUNTERS: Record<number, { label: string; failingAt: number | null }> = {
  5: { label: 'reallocated sectors', failingAt: SMART_THRESHOLDS.reallocatedFailing },
  10: { label: 'spin retries', failingAt: null },
  187: { label: 'reported uncorrectable errors', failingAt: null },
  197: { label: 'pending sectors', failingAt: SMART_THRESHOLDS.pendingFailing },
  198: { label: 'offline uncorrectable sectors', failingAt: SMART_THRESHOLDS.offlineUncorrectableFailing },
  199: { label: 'UDMA CRC errors (check the cable)', failingAt: null },
};

function counter(key: string, label: string, value: number, failingAt: number | null): SmartFinding | null {
  if (value <= 0) return null;
  const severity = failingAt !== null && value >= failingAt ? 'failing' : 'warning';
  return { key, severity, value, message: `${value} ${label}` };
}

function byKey(attributes: SmartAttribute[]): Map<string, SmartAttribute> {
  return new Map(attributes.map((a) => [a.key, a]));
}

/** Findings for a disk from its attributes and the drive's own overall assessment. */
export function assess(protocol: SmartProtocol, attributes: SmartAttribute[], overallPassed: boolean | null, temperatureC: number | null): SmartFinding[] {
  const findings: (SmartFinding | null)[] = [];
  const attr = byKey(attributes);
  if (overallPassed === false) findings.push({ key: 'smart_status', severity: 'failing', value: 0, message: 'the drive reports its overall SMART health as FAILED' });
  if (protocol === 'ata') {
    for (const [id, rule] of Object.entries(ATA_COUNTERS)) {
      const a = attr.get(`ata.${id}`);
      if (a) findings.push(counter(a.key, rule.label, a.value, rule.failingAt));
    }
    for (const a of attributes) {
      if (!a.key.startsWith('ata.') || !a.whenFailed) continue;
      if (a.whenFailed === 'now') findings.push({ key: a.key, severity: 'failing', value: a.value, message: `${a.name} is below its threshold now` });
      else if (a.whenFailed === 'past') findings.push({ key: a.key, severity: 'warning', value: a.value, message: `${a.name} was below its threshold in the past` });
    }
  } else if (protocol === 'nvme') {
    const warn = attr.get('nvme.critical_warning')?.value ?? 0;
    if (warn & ~0x02) findings.push({ key: 'nvme.critical_warning', severity: 'failing', value: warn, message: `NVMe critical warning 0x${warn.toString(16)} (spare, reliability, read-only or backup)` });
    else if (warn & 0x02) findings.push({ key: 'nvme.critical_warning', severity: 'warning', value: warn, message: 'NVMe critical warning: temperature' });
    const media = attr.get('nvme.media_errors');
    if (media) findings.push(counter(media.key, 'media and data integrity errors', media.value, SMART_THRESHOLDS.nvmeMediaErrorsFailing));
    const used = attr.get('nvme.percentage_used')?.value;
    if (used !== undefined && used >= SMART_THRESHOLDS.nvmeWearWarning) {
      findings.push({ key: 'nvme.percentage_used', severity: used >= SMART_THRESHOLDS.nvmeWearFailing ? 'failing' : 'warning', value: used, message: `${used}% of rated endurance used` });
    }
    const spare = attr.get('nvme.available_spare')?.value;
    const spareMin = attr.get('nvme.available_spare_threshold')?.value;
    if (spare !== undefined && spareMin !== undefined) {
      if (spare < spareMin) findings.push({ key: 'nvme.available_spare', severity: 'failing', value: spare, message: `available spare ${spare}% is below the threshold ${spareMin}%` });
      else if (spare <= spareMin + SMART_THRESHOLDS.nvmeSpareMargin) findings.push({ key: 'nvme.available_spare', severity: 'warning', value: spare, message: `available spare ${spare}% is close to the threshold ${spareMin}%` });
    }
  } else {
    const grown = attr.get('scsi.grown_defects');
    if (grown) findings.push(counter(grown.key, 'grown defects', grown.value, SMART_THRESHOLDS.scsiGrownDefectsFailing));
    for (const op of ['read', 'write', 'verify']) {
      const a = attr.get(`scsi.${op}_uncorrected`);
      if (a) findings.push(counter(a.key, `uncorrected ${op} errors`, a.value, null));
    }
  }
  const hot = protocol === 'nvme' ? SMART_THRESHOLDS.nvmeTemperatureWarning : SMART_THRESHOLDS.temperatureWarning;
  if (temperatureC !== null && temperatureC >= hot) findings.push({ key: 'temperature', severity: 'warning', value: temperatureC, message: `temperature ${temperatureC} °C (warning at ${hot} °C)` });
  return findings.filter((f): f is SmartFinding => f !== null);
}

/** failing beats warning beats ok. */
export function verdictOf(findings: SmartFinding[]): SmartVerdict {
  if (findings.some((f) => f.severity === 'failing')) return 'failing';
  return findings.length > 0 ? 'warning' : 'ok';
}

/** An admin's acknowledgement of a warning: the value they saw. */
export interface SmartAcknowledgement {
  attribute: string;
  value: number;
}

/**
 * Drops warnings an admin acknowledged, as long as the value has not grown since. Failing
 * findings are never silenced, and a grown value warns again.
 */
export function applyAcknowledgements(findings: SmartFinding[], acks: SmartAcknowledgement[]): SmartFinding[] {
  return findings.filter((f) => {
    if (f.severity !== 'warning') return true;
    const ack = acks.find((a) => a.attribute === f.key);
    return !ack || f.value > ack.value;
  });
}
