import type { SmartAttribute, SmartFinding, SmartProtocol, SmartVerdict } from '../types.js';

/**
 * Health thresholds, written down in one place. Counters that predict failure (reallocated,
 * pending and offline-uncorrectable sectors, SCSI grown defects, NVMe media errors) are judged by
 * the drive's own status and by their growth, never by an absolute count alone:
 *
 * - Any non-zero count is a warning. Backblaze's drive stats ("What SMART Stats Tell Us About Hard
 *   Drives", 2016) found one of SMART 5/187/188/197/198 above zero on 76.7 % of failed drives but
 *   also on 4.2 % of working ones, and Google's "Failure Trends in a Large Disk Drive Population"
 *   (Pinheiro et al., FAST 2007) found a first reallocation multiplies the 60-day failure risk by
 *   about 14 while most drives with counts keep working: a reason to watch, not a failure.
 * - Failing needs the drive's own verdict (overall SMART status FAILED, or an ATA normalized value
 *   at or below its vendor threshold), NVMe's own critical warnings, wear or spare exhaustion, or a
 *   counter that grew by `growthFailing` within `growthWindowMs` (scan history). The growth limit
 *   is nasd's choice, not a published figure: a static count of any size stays a warning, because
 *   no published data gives a per-count level at which healthy drives stop carrying it. Judging by
 *   growth is what Backblaze itself does ("Hard Drive Stats Q3 2019": a drive that reports a
 *   rapidly increasing or egregious number of media errors is a candidate for replacement).
 * - Earlier nasd called a count of 50 failing (10 for pending sectors): on a recorded SAS drive with
 *   56 grown defects whose own status is "passed", that produced exactly the false alarm users hate.
 */
export const SMART_THRESHOLDS = {
  /** Counter growth (over the lowest value seen in the window) that calls a disk failing. */
  growthFailing: 10,
  growthWindowMs: 7 * 86_400_000,
  /** NVMe percentage_used (wear): ≥ warning, ≥ failing (the controller's own rating). */
  nvmeWearWarning: 90,
  nvmeWearFailing: 100,
  /** NVMe available_spare within this many points above its threshold: warning. */
  nvmeSpareMargin: 10,
  /** Temperature warning (°C): spinning and SAS disks are rated to ~60 °C, NVMe controllers throttle near 75 °C. */
  temperatureWarning: 60,
  nvmeTemperatureWarning: 75,
} as const;

/** Attribute keys whose growth is tracked (history) and can make a disk failing. */
export const GROWTH_TRACKED = ['ata.5', 'ata.197', 'ata.198', 'scsi.grown_defects', 'nvme.media_errors'] as const;

/** The ATA attributes that predict failure, by id. Any non-zero raw value is a warning. */
const ATA_COUNTERS: Record<number, string> = {
  5: 'reallocated sectors',
  10: 'spin retries',
  187: 'reported uncorrectable errors',
  197: 'pending sectors',
  198: 'offline uncorrectable sectors',
  199: 'UDMA CRC errors (check the cable)',
};

function counter(key: string, label: string, value: number): SmartFinding | null {
  if (value <= 0) return null;
  return { key, severity: 'warning', value, message: `${value} ${label}` };
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
    for (const [id, label] of Object.entries(ATA_COUNTERS)) {
      const a = attr.get(`ata.${id}`);
      if (a) findings.push(counter(a.key, label, a.value));
    }
    for (const a of attributes) {
      if (!a.key.startsWith('ata.')) continue;
      // The drive's own judgement: its normalized value at or below the vendor threshold (smartctl's WHEN_FAILED "now").
      const belowNow = a.whenFailed === 'now' || (a.threshold !== undefined && a.threshold > 0 && a.normalized !== undefined && a.normalized <= a.threshold);
      if (belowNow) findings.push({ key: a.key, severity: 'failing', value: a.value, message: `${a.name} is below its vendor threshold now` });
      else if (a.whenFailed === 'past') findings.push({ key: a.key, severity: 'warning', value: a.value, message: `${a.name} was below its vendor threshold in the past` });
    }
  } else if (protocol === 'nvme') {
    const warn = attr.get('nvme.critical_warning')?.value ?? 0;
    if (warn & ~0x02) findings.push({ key: 'nvme.critical_warning', severity: 'failing', value: warn, message: `NVMe critical warning 0x${warn.toString(16)} (spare, reliability, read-only or backup)` });
    else if (warn & 0x02) findings.push({ key: 'nvme.critical_warning', severity: 'warning', value: warn, message: 'NVMe critical warning: temperature' });
    const media = attr.get('nvme.media_errors');
    if (media) findings.push(counter(media.key, 'media and data integrity errors', media.value));
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
    if (grown) findings.push(counter(grown.key, 'grown defects', grown.value));
    for (const op of ['read', 'write', 'verify']) {
      const a = attr.get(`scsi.${op}_uncorrected`);
      if (a) findings.push(counter(a.key, `uncorrected ${op} errors`, a.value));
    }
  }
  const hot = protocol === 'nvme' ? SMART_THRESHOLDS.nvmeTemperatureWarning : SMART_THRESHOLDS.temperatureWarning;
  if (temperatureC !== null && temperatureC >= hot) findings.push({ key: 'temperature', severity: 'warning', value: temperatureC, message: `temperature ${temperatureC} °C (warning at ${hot} °C)` });
  return findings.filter((f): f is SmartFinding => f !== null);
}

/**
 * Raises tracked counters that grew fast to failing. `baseline` maps an attribute key to the
 * lowest value the history holds within SMART_THRESHOLDS.growthWindowMs; keys without one are
 * left as they are (a first scan has no growth to judge).
 */
export function escalateGrowth(findings: SmartFinding[], baseline: ReadonlyMap<string, number>): SmartFinding[] {
  return findings.map((f) => {
    const base = baseline.get(f.key);
    if (f.severity === 'failing' || base === undefined || !(GROWTH_TRACKED as readonly string[]).includes(f.key)) return f;
    const grew = f.value - base;
    if (grew < SMART_THRESHOLDS.growthFailing) return f;
    return { ...f, severity: 'failing', message: `${f.message}, up ${grew} in ${SMART_THRESHOLDS.growthWindowMs / 86_400_000} days` };
  });
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
