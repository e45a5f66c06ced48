#!/usr/bin/env bash
# Installs nasd as a system service: /opt/nasd (code), /var/lib/nasd (data), systemd unit.
# Run as root from a checkout: sudo bash deploy/install.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
id nasd >/dev/null 2>&1 || useradd --system --home /var/lib/nasd --shell /usr/sbin/nologin nasd
install -d -o nasd -g nasd -m 0750 /var/lib/nasd
install -d -m 0755 /etc/nasd
[ -f /etc/nasd/nasd.env ] || printf '# NASD_PORT=8080\n# NASD_DATABASE_URL=postgres://nasd@127.0.0.1/nasd\n' >/etc/nasd/nasd.env
mkdir -p /opt/nasd
cp -a "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/tsconfig.build.json" "$src/src" "$src/protocols" "$src/hardware" "$src/migrations" "$src/admin-ui" /opt/nasd/
cd /opt/nasd
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev
install -m 0644 "$src/deploy/nasd.service" /etc/systemd/system/nasd.service
if command -v smbd >/dev/null 2>&1; then
  # SMB: the privileged account helper, the sudoers rule allowing only it, the unit's drop-in, and a
  # storage tree whose group is nasd (set-gid, so new folders keep it) for the nasd-<user> accounts.
  install -d -m 0755 /usr/local/lib/nasd
  install -m 0755 -o root -g root "$src/deploy/nasd-smb-helper" /usr/local/lib/nasd/nasd-smb-helper
  if command -v visudo >/dev/null 2>&1; then
    install -m 0440 -o root -g root "$src/deploy/sudoers.d/nasd-smb" /etc/sudoers.d/nasd-smb.new
    visudo -cf /etc/sudoers.d/nasd-smb.new >/dev/null && mv /etc/sudoers.d/nasd-smb.new /etc/sudoers.d/nasd-smb
  else
    echo "SMB: install sudo (nasd reaches its account helper through it), then run this script again"
  fi
  install -d -m 0755 /etc/systemd/system/nasd.service.d
  install -m 0644 "$src/deploy/nasd.service.d/smb.conf" /etc/systemd/system/nasd.service.d/smb.conf
  install -d -o nasd -g nasd -m 2770 /var/lib/nasd/storage /var/lib/nasd/storage/homes /var/lib/nasd/storage/shares
  install -d -o nasd -g nasd -m 0755 /var/lib/nasd/samba
  grep -q '^[[:space:]]*include[[:space:]]*=[[:space:]]*/var/lib/nasd/samba/nasd.conf' /etc/samba/smb.conf 2>/dev/null \
    || echo "SMB: add 'include = /var/lib/nasd/samba/nasd.conf' as the last line of [global] in /etc/samba/smb.conf (see deploy/smb-include.conf)"
fi
systemctl daemon-reload
systemctl enable --now nasd
echo "nasd is running; the first admin password is in /var/lib/nasd/initial-admin-password"
