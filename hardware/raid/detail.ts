/** What `mdadm --detail --export /dev/mdX` says about an array (KEY=value lines). */
export interface MdadmDetail {
  level: string | null;
  raidDevices: number | null;
  metadata: string | null;
  uuid: string | null;
  name: string | null;
  /** Member device (without /dev/) → role: a slot number, `spare`, `faulty` or `journal`. */
  roles: Map<string, number | 'spare' | 'faulty' | 'journal'>;
}

/**
 * Parses `mdadm --detail --export` output. Values may be shell-quoted (mdadm quotes names with
 * odd characters); member keys look like MD_DEVICE_dev_sda1_ROLE / MD_DEVICE_dev_sda1_DEV.
 */
export function parseMdadmDetailExport(text: string): MdadmDetail {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_a-z]+)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1], m[2].replace(/^'(.*)'$/, '$1'));
  }
  const roles: MdadmDetail['roles'] = new Map();
  for (const [key, dev] of vars) {
    const m = /^MD_DEVICE_(.+)_DEV$/.exec(key);
    if (!m) continue;
    const role = vars.get(`MD_DEVICE_${m[1]}_ROLE`);
    const device = dev.replace(/^\/dev\//, '');
    if (role === undefined) continue;
    if (/^\d+$/.test(role)) roles.set(device, Number(role));
    else if (role === 'spare' || role === 'faulty' || role === 'journal') roles.set(device, role);
  }
  const devices = vars.get('MD_DEVICES');
  return {
    level: vars.get('MD_LEVEL') ?? null,
    raidDevices: devices && /^\d+$/.test(devices) ? Number(devices) : null,
    metadata: vars.get('MD_METADATA') ?? null,
    uuid: vars.get('MD_UUID') ?? null,
    name: vars.get('MD_NAME') ?? null,
    roles,
  };
}
