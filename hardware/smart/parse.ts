import type { SmartAttribute, SmartDisk, SmartProtocol, SmartSelfTest } from '../types.js';
import { assess, verdictOf } from './verdict.js';

/** smartctl's JSON, read field by field with a type check on every value used. */
type Json = any;

/** One device of `smartctl --scan-open -j`. */
export interface ScannedDevice {
  /** `/dev/sda` */
  path: string;
  type: string;
  protocol: SmartProtocol;
  openError: string | null;
}

function protocolOf(value: unknown, type: string): SmartProtocol {
  const p = String(value ?? '').toLowerCase();
  if (p === 'nvme' || type === 'nvme') return 'nvme';
  if (p === 'scsi' || (p === '' && type === 'scsi')) return 'scsi';
  return 'ata';
}

/** Parses `smartctl --scan-open -j` (the `devices` array; absent when there are no disks). */
export function parseScan(json: Json): ScannedDevice[] {
  const devices: Json[] = Array.isArray(json?.devices) ? json.devices : [];
  return devices
    .filter((d) => typeof d?.name === 'string' && d.name.startsWith('/dev/'))
    .map((d) => ({
      path: d.name as string,
      type: typeof d.type === 'string' ? d.type : 'auto',
      protocol: protocolOf(d.protocol, d.type),
      openError: typeof d.open_error === 'string' ? d.open_error : null,
    }));
}

/** Kernel name without /dev/: what the API calls `device`. */
export function deviceName(path: string): string {
  return path.replace(/^\/dev\//, '');
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function messages(json: Json): string[] {
  const list: Json[] = Array.isArray(json?.smartctl?.messages) ? json.smartctl.messages : [];
  return list.map((m) => String(m?.string ?? '')).filter(Boolean);
}

function ataAttributes(json: Json): SmartAttribute[] {
  const table: Json[] = Array.isArray(json?.ata_smart_attributes?.table) ? json.ata_smart_attributes.table : [];
  return table
    .filter((a) => num(a?.id) !== null)
    .map((a) => ({
      key: `ata.${a.id}`,
      name: String(a.name ?? `Attribute_${a.id}`),
      // Some vendors pack several values into the raw field (temperature min/max); the low 16 bits carry the current one for 190/194.
      value: a.id === 190 || a.id === 194 ? (num(a.raw?.value) ?? 0) % 65536 : (num(a.raw?.value) ?? 0),
      normalized: num(a.value) ?? undefined,
      worst: num(a.worst) ?? undefined,
      threshold: num(a.thresh) ?? undefined,
      whenFailed: typeof a.when_failed === 'string' && a.when_failed ? a.when_failed : undefined,
    }));
}

const NVME_FIELDS: Array<[string, string]> = [
  ['critical_warning', 'Critical warning'],
  ['available_spare', 'Available spare (%)'],
  ['available_spare_threshold', 'Available spare threshold (%)'],
  ['percentage_used', 'Percentage used'],
  ['data_units_read', 'Data units read'],
  ['data_units_written', 'Data units written'],
  ['power_cycles', 'Power cycles'],
  ['unsafe_shutdowns', 'Unsafe shutdowns'],
  ['media_errors', 'Media and data integrity errors'],
  ['num_err_log_entries', 'Error log entries'],
];

function nvmeAttributes(json: Json): SmartAttribute[] {
  const log = json?.nvme_smart_health_information_log ?? {};
  return NVME_FIELDS.filter(([f]) => num(log[f]) !== null).map(([f, name]) => ({ key: `nvme.${f}`, name, value: log[f] as number }));
}

function scsiAttributes(json: Json): SmartAttribute[] {
  const out: SmartAttribute[] = [];
  const grown = num(json?.scsi_grown_defect_list);
  if (grown !== null) out.push({ key: 'scsi.grown_defects', name: 'Grown defect list', value: grown });
  for (const op of ['read', 'write', 'verify']) {
    const n = num(json?.scsi_error_counter_log?.[op]?.total_uncorrected_errors);
    if (n !== null) out.push({ key: `scsi.${op}_uncorrected`, name: `Uncorrected ${op} errors`, value: n });
  }
  return out;
}

function selfTests(json: Json): SmartSelfTest[] {
  const ata: Json[] = json?.ata_smart_self_test_log?.standard?.table ?? json?.ata_smart_self_test_log?.extended?.table ?? [];
  if (Array.isArray(ata) && ata.length > 0) {
    return ata.map((t) => ({
      type: String(t?.type?.string ?? 'unknown'),
      status: String(t?.status?.string ?? 'unknown'),
      passed: typeof t?.status?.passed === 'boolean' ? t.status.passed : null,
      lifetimeHours: num(t?.lifetime_hours),
    }));
  }
  const nvme: Json[] = json?.nvme_self_test_log?.table ?? [];
  if (Array.isArray(nvme) && nvme.length > 0) {
    return nvme.map((t) => ({
      type: String(t?.self_test_code?.string ?? 'unknown'),
      status: String(t?.self_test_result?.string ?? 'unknown'),
      passed: num(t?.self_test_result?.value) === null ? null : t.self_test_result.value === 0,
      lifetimeHours: num(t?.power_on_hours),
    }));
  }
  const scsi: SmartSelfTest[] = [];
  for (let i = 0; i < 20; i++) {
    const t = json?.[`scsi_self_test_${i}`];
    if (!t) break;
    scsi.push({
      type: String(t?.code?.string ?? 'unknown'),
      status: String(t?.result?.string ?? 'unknown'),
      passed: num(t?.result?.value) === null ? null : t.result.value === 0,
      lifetimeHours: num(t?.power_on_time?.hours),
    });
  }
  return scsi;
}

function runningSelfTest(json: Json): SmartDisk['selfTestRunning'] {
  const ata = json?.ata_smart_data?.self_test?.status;
  if (ata && num(ata.value) !== null && (ata.value >> 4) === 0x0f) {
    return { type: 'self-test', remainingPercent: num(ata.remaining_percent) ?? (ata.value & 0x0f) * 10 };
  }
  const nvme = json?.nvme_self_test_log?.current_self_test_operation;
  if (nvme && num(nvme.value) && nvme.value !== 0) {
    const done = num(json?.nvme_self_test_log?.current_self_test_completion_percent);
    return { type: String(nvme.string ?? 'self-test'), remainingPercent: done === null ? null : 100 - done };
  }
  return null;
}

/** What a disk looks like when smartctl could not read it (asleep, no SMART, tool error). */
export function unreadableDisk(path: string, type: string, protocol: SmartProtocol, availability: SmartDisk['availability'], notes: string[]): SmartDisk {
  return {
    device: deviceName(path), type, model: null, serial: null, protocol, availability,
    verdict: 'unknown', findings: [], notes, temperatureC: null, powerOnHours: null, capacityBytes: null,
    attributes: [], selfTests: [], selfTestRunning: null,
  };
}

/**
 * Parses `smartctl -a -j [-n standby] DEVICE` (smartmontools 7.x JSON) for ATA, NVMe and SCSI.
 * Exit status bit 0 (command line) or 1 (open failed / no IDENTIFY / standby) means no data:
 * a sleeping disk or an unknown USB bridge is reported as such, not as an error. Other bits
 * (failing status, logged errors) still come with full data and are judged from the data.
 */
export function parseSmartctl(json: Json, path: string, type: string): SmartDisk {
  const exit = num(json?.smartctl?.exit_status) ?? 0;
  const notes = messages(json);
  const protocol = protocolOf(json?.device?.protocol, json?.device?.type ?? type);
  const text = notes.join(' ');
  if (/standby|sleep/i.test(text) && (exit & 0x02) !== 0) return unreadableDisk(path, type, protocol, 'standby', ['the disk is in standby; not woken to read SMART']);
  if (exit & 0x03) {
    const unsupported = /unknown usb bridge|unsupported|lacks smart|unable to detect device type/i.test(text);
    return unreadableDisk(path, type, protocol, unsupported ? 'unsupported' : 'error', notes.length ? notes : [`smartctl exit status ${exit}`]);
  }
  if (json?.smart_support?.available === false) return unreadableDisk(path, type, protocol, 'unsupported', ['the device has no SMART capability']);
  const attributes = protocol === 'nvme' ? nvmeAttributes(json) : protocol === 'scsi' ? scsiAttributes(json) : ataAttributes(json);
  const temperatureC = num(json?.temperature?.current);
  const powerOnHours = num(json?.power_on_time?.hours);
  const passed = typeof json?.smart_status?.passed === 'boolean' ? json.smart_status.passed : null;
  const findings = assess(protocol, attributes, passed, temperatureC);
  const model = json?.model_name ?? json?.scsi_model_name ?? ([json?.scsi_vendor, json?.scsi_product].filter(Boolean).join(' ') || null);
  return {
    device: deviceName(path),
    type,
    model: model === null ? null : String(model),
    serial: typeof json?.serial_number === 'string' ? json.serial_number : null,
    protocol,
    availability: 'available',
    verdict: passed === null && attributes.length === 0 ? 'unknown' : verdictOf(findings),
    findings,
    notes: [],
    temperatureC,
    powerOnHours,
    capacityBytes: num(json?.user_capacity?.bytes) ?? num(json?.nvme_total_capacity),
    attributes,
    selfTests: selfTests(json),
    selfTestRunning: runningSelfTest(json),
  };
}
