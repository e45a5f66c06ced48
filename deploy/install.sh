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
cp -a "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/src" "$src/protocols" "$src/hardware" "$src/migrations" "$src/admin-ui" /opt/nasd/
cd /opt/nasd
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev
install -m 0644 "$src/deploy/nasd.service" /etc/systemd/system/nasd.service
systemctl daemon-reload
systemctl enable --now nasd
echo "nasd is running; the first admin password is in /var/lib/nasd/initial-admin-password"
