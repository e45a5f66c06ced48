#!/usr/bin/env bash
# Installs nasd from this checkout, upgrades an install to it, or rolls an upgrade back.
# Run as root on Debian: sudo bash deploy/install.sh [--nginx] [--smb]. See --help.
set -euo pipefail
umask 022

usage() {
  cat <<'EOF'
Usage: deploy/install.sh [options]

Installs nasd from this checkout, or upgrades an existing install to it:
  /opt/nasd/releases/<version>-<time>  one directory per release: compiled dist/, production
                                       node_modules, admin-ui, package.json (no sources, no compiler)
  /opt/nasd/current                    symlink to the active release, switched atomically
  /var/lib/nasd                        data (database, keys, storage), owned by the nasd user
  /etc/nasd/nasd.env                   settings, mode 0640 root:nasd; written once, never overwritten
  /etc/systemd/system/nasd.service     the systemd unit
The release is built in a staging directory, database migrations run before the switch, the
service is restarted, and the last releases are kept for --rollback.

Options:
  --nginx          nginx runs in front of nasd on this host: a new nasd.env binds nasd to
                   127.0.0.1 and trusts nginx's X-Forwarded-For; deploy/nginx/*.conf is copied
                   to /etc/nginx/sites-available/
  --smb            install the Samba pieces (account helper, sudoers rule, unit drop-in, storage tree)
  --rollback       switch back to the release before the active one and restart
  --keep N         how many releases to keep (default 3, at least 2)
  --root DIR       install into DIR instead of / (every path is prefixed; the service is not
                   restarted; the nasd user is created with useradd --root when DIR/etc/passwd exists)
  --node-modules-from DIR
                   build with a copy of DIR (node_modules installed from this package-lock.json)
                   instead of npm ci: for hosts without registry access, and the tests
                   (also NASD_INSTALL_NODE_MODULES_FROM)
  --dry-run        print every step without doing any
  -h, --help       show this text
EOF
}

die() { echo "install.sh: $*" >&2; exit 1; }
note() { echo "== $*"; }

src=$(cd "$(dirname "$0")/.." && pwd)
root=''
nginx=0
smb=0
rollback=0
dry_run=0
keep=3
modules_from=${NASD_INSTALL_NODE_MODULES_FROM:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --nginx) nginx=1 ;;
    --smb) smb=1 ;;
    --rollback) rollback=1 ;;
    --dry-run) dry_run=1 ;;
    --keep) [ $# -ge 2 ] || die "--keep needs a number"; keep=$2; shift ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$2; shift ;;
    --node-modules-from) [ $# -ge 2 ] || die "--node-modules-from needs a directory"; modules_from=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ "$keep" =~ ^[0-9]+$ ]] && [ "$keep" -ge 2 ] || die "--keep must be a whole number of at least 2, got '$keep'"
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  [ "$root" != / ] || root=''
fi
if [ -n "$modules_from" ]; then
  [ -d "$modules_from/.bin" ] || die "--node-modules-from $modules_from is not an installed node_modules (no .bin/)"
  modules_from=$(cd "$modules_from" && pwd)
fi
[ "$(id -u)" -eq 0 ] || [ -n "$root" ] || die "run as root (sudo bash deploy/install.sh), or give --root DIR"

base=$root/opt/nasd
releases=$base/releases
data=$root/var/lib/nasd
etc=$root/etc/nasd
env_file=$etc/nasd.env
units=$root/etc/systemd/system

# Every step that changes the host goes through run: printed, and skipped under --dry-run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  [ "$dry_run" -eq 1 ] || "$@"
}
# write_file MODE PATH CONTENT: a new file, written whole under a temporary name and renamed.
write_file() {
  printf '+ write %s (mode %s)\n' "$2" "$1"
  [ "$dry_run" -eq 1 ] && return 0
  printf '%s' "$3" >"$2.new"
  chmod "$1" "$2.new"
  mv -T "$2.new" "$2"
}

# Releases sorted oldest first: the name ends in its UTC install time.
list_releases() {
  [ -d "$releases" ] || return 0
  find "$releases" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | awk -F- '{ print $NF "\t" $0 }' | sort | cut -f2
}
active_release() {
  [ -L "$base/current" ] && basename "$(readlink "$base/current")" || true
}
# switch_to NAME: points current at releases/NAME with one rename, so no moment has no current.
switch_to() {
  run ln -sfn "releases/$1" "$base/current.new"
  run mv -T "$base/current.new" "$base/current"
}

# The nasd user's numeric ids inside the target root (empty when it has none).
nasd_uid=''
nasd_gid=''
lookup_nasd() {
  local line
  line=$(grep '^nasd:' "$root/etc/passwd" 2>/dev/null || true)
  nasd_uid=$(echo "$line" | cut -d: -f3)
  nasd_gid=$(echo "$line" | cut -d: -f4)
}
# as_nasd CMD...: runs CMD as the nasd user when it exists (the same user the service runs as).
as_nasd() {
  if [ -n "$nasd_uid" ] && [ "$(id -u)" -eq 0 ]; then
    run setpriv --reuid="$nasd_uid" --regid="$nasd_gid" --clear-groups -- "$@"
  else
    run "$@"
  fi
}

# The settings the service gets: the unit's own, then nasd.env (systemd reads it after Environment=).
service_env() {
  local -a vars=(PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production NASD_DATA_DIR=/var/lib/nasd)
  local line key value
  if [ -r "$env_file" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
      key=${BASH_REMATCH[1]}
      value=${BASH_REMATCH[2]}
      [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]] && value=${BASH_REMATCH[1]}
      vars+=("$key=$value")
    done <"$env_file"
  fi
  # Under --root the data directory is the prefixed one, whatever nasd.env says.
  [ -z "$root" ] || vars+=("NASD_DATA_DIR=$data")
  printf '%s\n' "${vars[@]}"
}
# nasd_cli RELEASE ARGS...: runs the release's CLI as the service would (user and settings).
nasd_cli() {
  local release=$1
  shift
  local -a vars
  mapfile -t vars < <(service_env)
  # The unit's UMask, so files the CLI creates in the data directory get the service's modes.
  (umask 0027 && as_nasd env -i "${vars[@]}" node "$releases/$release/dist/src/cli.js" "$@")
}

restart_service() {
  if [ -n "$root" ]; then
    note "service: not restarted (--root installs into $root, not this host's systemd)"
  elif [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
    run systemctl enable nasd.service
    run systemctl restart nasd.service
  else
    note "service: systemd is not running on this host; start nasd with: node /opt/nasd/current/dist/src/cli.js serve"
  fi
}

check_node() {
  command -v node >/dev/null || die "Node.js is not installed (nasd needs 20.19+ or 22+: apt-get install nodejs)"
  local version major minor
  version=$(node -p process.versions.node)
  IFS=. read -r major minor _ <<<"$version"
  if ! { [ "$major" -eq 20 ] && [ "$minor" -ge 19 ]; } && [ "$major" -lt 22 ]; then
    die "Node.js $version is too old: nasd needs 20.19+ or 22+"
  fi
  note "Node.js $version ($(command -v node))"
  [ "$(command -v node)" = /usr/bin/node ] || note "note: the unit runs /usr/bin/node; make sure that is this Node.js too"
}

do_rollback() {
  local current target='' name
  current=$(active_release)
  [ -n "$current" ] || die "no active release under $base to roll back from"
  for name in $(list_releases); do
    [ "$name" = "$current" ] && break
    target=$name
  done
  [ -n "$target" ] || die "no release older than $current is kept under $releases"
  # A migration the older release does not know makes it refuse the database (knex checks the list).
  local added
  added=$(comm -13 <(ls "$releases/$target/dist/migrations" | sort) <(ls "$releases/$current/dist/migrations" | sort) | grep '\.js$' || true)
  if [ -n "$added" ]; then
    die "cannot roll back to $target: $current added database migrations it does not know ($(echo $added)).
Restore the backup taken before the upgrade ($data/backups/before-$current.nasdbak) into an empty data directory with 'nasd restore', or stay on $current."
  fi
  note "rolling back from $current to $target"
  switch_to "$target"
  restart_service
  note "active release: $target"
}

install_system_files() {
  run install -d -m 0755 "$units"
  run install -m 0644 "$src/deploy/nasd.service" "$units/nasd.service"
  if [ "$nginx" -eq 1 ]; then
    local confs=("$src"/deploy/nginx/*.conf)
    if [ -e "${confs[0]}" ]; then
      run install -d -m 0755 "$root/etc/nginx/sites-available"
      run install -m 0644 "${confs[@]}" "$root/etc/nginx/sites-available/"
      note "nginx: enable a site with ln -s /etc/nginx/sites-available/<file> /etc/nginx/sites-enabled/, set its server_name and certificate, then nginx -t && systemctl reload nginx"
    else
      note "nginx: this checkout has no deploy/nginx/*.conf to install"
    fi
  fi
  if [ "$smb" -eq 1 ]; then
    command -v smbd >/dev/null || note "SMB: smbd is not installed (apt-get install samba); installing nasd's pieces anyway"
    # The privileged account helper, the sudoers rule allowing only it, the unit's drop-in, and a
    # storage tree whose group is nasd (set-gid, so new folders keep it) for the nasd-<user> accounts.
    run install -d -m 0755 "$root/usr/local/lib/nasd"
    run install -m 0755 -o root -g root "$src/deploy/nasd-smb-helper" "$root/usr/local/lib/nasd/nasd-smb-helper"
    if command -v visudo >/dev/null; then
      run install -d -m 0750 "$root/etc/sudoers.d"
      run install -m 0440 -o root -g root "$src/deploy/sudoers.d/nasd-smb" "$root/etc/sudoers.d/nasd-smb.new"
      run visudo -cqf "$root/etc/sudoers.d/nasd-smb.new"
      run mv -T "$root/etc/sudoers.d/nasd-smb.new" "$root/etc/sudoers.d/nasd-smb"
    else
      note "SMB: install sudo (nasd reaches its account helper through it), then run this script again"
    fi
    run install -d -m 0755 "$units/nasd.service.d"
    run install -m 0644 "$src/deploy/nasd.service.d/smb.conf" "$units/nasd.service.d/smb.conf"
    run install -d -o "$owner" -g "$group" -m 2770 "$data/storage" "$data/storage/homes" "$data/storage/shares"
    run install -d -o "$owner" -g "$group" -m 0755 "$data/samba"
    grep -q '^[[:space:]]*include[[:space:]]*=[[:space:]]*/var/lib/nasd/samba/nasd.conf' "$root/etc/samba/smb.conf" 2>/dev/null ||
      note "SMB: add 'include = /var/lib/nasd/samba/nasd.conf' as the last line of [global] in /etc/samba/smb.conf (see deploy/smb-include.conf)"
  fi
}

create_user() {
  lookup_nasd
  if [ -n "$nasd_uid" ]; then
    note "user nasd exists (uid $nasd_uid)"
  elif [ "$(id -u)" -ne 0 ]; then
    note "user nasd: not created (not running as root); files stay owned by $(id -un)"
  elif [ -n "$root" ] && [ ! -f "$root/etc/passwd" ]; then
    note "user nasd: not created ($root/etc/passwd does not exist, so useradd --root has no user database); files stay owned by root"
  else
    local -a at=()
    [ -z "$root" ] || at=(--root "$root")
    run useradd "${at[@]}" --system --user-group --home-dir /var/lib/nasd --no-create-home --shell /usr/sbin/nologin nasd
    lookup_nasd
  fi
  # Numeric ids: under --root the user exists only in DIR/etc/passwd, not on this host.
  owner=${nasd_uid:-$(id -u)}
  group=${nasd_gid:-$(id -g)}
}

write_env_file() {
  if [ -e "$env_file" ]; then
    note "settings: $env_file kept as it is"
    if [ "$nginx" -eq 1 ] && ! grep -q '^[[:space:]]*NASD_HOST=127\.0\.0\.1' "$env_file"; then
      note "warning: --nginx, but $env_file does not set NASD_HOST=127.0.0.1: nasd also answers other hosts directly"
    fi
    return
  fi
  local listen
  if [ "$nginx" -eq 1 ]; then
    listen='# Behind nginx on this host: listen on loopback only, and take the client address from
# nginx'"'"'s X-Forwarded-For (safe only because nothing else can reach 127.0.0.1).
NASD_HOST=127.0.0.1
NASD_TRUST_PROXY=true'
    note "settings: nasd will listen on 127.0.0.1:8080 only (nginx in front)"
  else
    listen='# No NASD_HOST: nasd listens on all interfaces. Behind a reverse proxy on this host, set
# NASD_HOST=127.0.0.1 and NASD_TRUST_PROXY=true.
# NASD_HOST=127.0.0.1'
    note "settings: nasd will listen on ALL interfaces, port 8080 (use --nginx to bind 127.0.0.1 behind nginx)"
  fi
  write_file 0640 "$env_file" "# nasd settings (systemd EnvironmentFile). Written once by install.sh, never overwritten.
# Every setting is listed in the README's \"Configuration\" section.
$listen
# NASD_PORT=8080
# PostgreSQL instead of SQLite in /var/lib/nasd:
# NASD_DATABASE_URL=postgres://nasd@127.0.0.1/nasd
"
  run chown "$(id -u):$group" "$env_file"
}

# build NAME: stages the checkout, builds it, and moves what runs into releases/NAME.
build_release() {
  local name=$1 staging
  if [ "$dry_run" -eq 1 ]; then staging="$base/.staging.XXXXXX"; else staging=$(mktemp -d "$base/.staging.XXXXXX"); fi
  cleanup_dirs+=("$staging")
  echo "+ staging in $staging"
  run cp -a "$src/package.json" "$src/package-lock.json" "$src/tsconfig.json" "$src/tsconfig.build.json" \
    "$src/src" "$src/protocols" "$src/hardware" "$src/migrations" "$staging/"
  if [ -n "$modules_from" ]; then
    run cp -a "$modules_from" "$staging/node_modules"
  else
    run npm --prefix "$staging" ci --no-audit --no-fund
  fi
  run "$staging/node_modules/.bin/tsc" -p "$staging/tsconfig.build.json"
  run npm --prefix "$staging" prune --omit=dev --no-audit --no-fund
  local partial="$releases/.$name.partial"
  cleanup_dirs+=("$partial")
  run install -d -m 0755 "$partial" "$partial/deploy"
  run mv "$staging/dist" "$staging/node_modules" "$staging/package.json" "$staging/package-lock.json" "$partial/"
  run cp -a "$src/admin-ui" "$partial/"
  run cp -a "$src/deploy/build-if-stale.mjs" "$partial/deploy/"
  run mv -T "$partial" "$releases/$name"
}

# Removes the oldest releases beyond --keep (never the active one) and their pre-upgrade backups.
prune_releases() {
  local -a all
  mapfile -t all < <(list_releases)
  local current i excess=$((${#all[@]} - keep))
  current=$(active_release)
  for ((i = 0; i < excess; i++)); do
    [ "${all[$i]}" = "$current" ] && continue
    run rm -rf "${releases:?}/${all[$i]}"
    [ ! -e "$data/backups/before-${all[$i]}.nasdbak" ] || run rm -f "$data/backups/before-${all[$i]}.nasdbak"
  done
}

cleanup_dirs=()
new_release=''
switched=0
on_exit() {
  local dir
  for dir in "${cleanup_dirs[@]}"; do [ "$dry_run" -eq 1 ] || rm -rf "$dir"; done
  if [ -n "$new_release" ] && [ "$switched" -eq 0 ] && [ "$dry_run" -eq 0 ]; then
    echo "install.sh: failed before switching; $new_release removed, the active release is unchanged" >&2
    rm -rf "${releases:?}/$new_release"
  fi
}
trap on_exit EXIT

[ "$dry_run" -eq 0 ] || note "dry run: nothing is changed"
if [ "$rollback" -eq 1 ]; then
  do_rollback
  exit 0
fi

check_node
version=$(node -p 'require(process.argv[1]).version' "$src/package.json")
previous=$(active_release)
name="$version-$(date -u +%Y%m%dT%H%M%S.%3NZ)"
[ ! -e "$releases/$name" ] || die "release $name exists already"
if [ -n "$previous" ]; then note "upgrading $previous -> $name"; else note "installing $name"; fi

create_user
run install -d -m 0755 "$base" "$releases"
run install -d -o "$owner" -g "$group" -m 0750 "$data"
run install -d -o "$(id -u)" -g "$group" -m 0750 "$etc"
write_env_file
install_system_files

new_release=$name
build_release "$name"
if [ -n "$previous" ] && [ -f "$releases/$previous/dist/src/cli.js" ]; then
  # The new release's backup command reads the database without migrating it.
  run install -d -o "$owner" -g "$group" -m 0700 "$data/backups"
  nasd_cli "$name" backup --config "$env_file" "$data/backups/before-$name.nasdbak"
fi
nasd_cli "$name" migrate
switch_to "$name"
switched=1
restart_service
prune_releases
note "active release: $name${previous:+ (previous: $previous, back with --rollback)}"
[ -n "$previous" ] || note "first start: the first admin's password is written to /var/lib/nasd/initial-admin-password"
