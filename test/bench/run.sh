#!/usr/bin/env bash
# npm run bench: nasd against Apache mod_dav and rclone serve in one run, with the kit in
# test/bench/kit (override with BENCH_KIT). Builds nasd and starts it from dist/ (SQLite, fresh
# data dir, a `bench` user), starts the peers with peers.sh, runs webdav-bench.mjs on each (one after the other,
# same options), prints the kit's summary table and nasd's ratios against Apache.
#   BENCH_ARGS="--big-mib 512"  options for every webdav-bench run (default: --big-mib 512)
#   BENCH_CURVE="1000 10000 100000"  also time nasd's PROPFIND at these folder sizes
#   NASD_NODE_FLAGS="--no-memory-reducer --heap-growing-percent=50 --max-semi-space-size=4"  node/V8 flags for nasd only (default: the same flags as `npm start`)
#   NASD_MALLOC_ARENA_MAX=2  glibc malloc arenas for nasd (default: as `npm start`)
#   BENCH_FLUSHED_APACHE=0  skip the reference run of Apache with every written file flushed
#                           before close (fsync-on-close.c, LD_PRELOAD), which shows what the
#                           PUT rows cost with nasd's durability (needs gcc; default: on)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIT=${BENCH_KIT:-$ROOT/test/bench/kit}
[ -f "$KIT/webdav-bench.mjs" ] || { echo "bench kit not found at $KIT (set BENCH_KIT)" >&2; exit 2; }
read -r -a ARGS <<<"${BENCH_ARGS:---big-mib 512}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/nasd-bench.XXXXXX")
chmod 755 "$OUT" # the peers run as www-data and need to reach their data dirs below it
export PEERS_DIR="$OUT/peers" DAV_USER=litmus DAV_PASS=litmus
NASD_PID=""

cleanup() {
  bash "$KIT/peers.sh" stop apache rclone >/dev/null 2>&1 || true
  if [ -n "$NASD_PID" ] && kill -0 "$NASD_PID" 2>/dev/null; then
    kill -TERM "$NASD_PID"
    for _ in $(seq 1 50); do kill -0 "$NASD_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$OUT/nasd-data"
}
trap cleanup EXIT

bench() { # label url user pass pid [extra args]
  local label=$1 url=$2 user=$3 pass=$4 pid=$5; shift 5
  sync; sleep 2
  node "$KIT/webdav-bench.mjs" --url "$url" --user "$user" --pass "$pass" --pid "$pid" --label "$label" \
    --json "$OUT/$label.json" "${ARGS[@]}" "$@" | tee "$OUT/$label.txt"
}

echo "== building nasd (tsc → dist/; compiled JS, as deployed, without the tsx loader in the RSS)"
(cd "$ROOT" && npx tsc -p tsconfig.json >"$OUT/tsc.log" 2>&1) || echo "warning: tsc reported errors (see $OUT/tsc.log); benchmarking what it emitted" >&2
echo "== starting nasd"
mkdir -p "$OUT/nasd-data"
read -r -a NODE_FLAGS <<<"${NASD_NODE_FLAGS:---no-memory-reducer --heap-growing-percent=50 --max-semi-space-size=4}"
(cd "$ROOT" && MALLOC_ARENA_MAX=${NASD_MALLOC_ARENA_MAX:-2} exec node "${NODE_FLAGS[@]}" dist/test/bench/start-nasd.js "$OUT/nasd-data" "$OUT/nasd-info.json") >"$OUT/nasd.log" 2>&1 &
NASD_PID=$!
for _ in $(seq 1 300); do [ -s "$OUT/nasd-info.json" ] && break; kill -0 "$NASD_PID" 2>/dev/null || break; sleep 0.1; done
[ -s "$OUT/nasd-info.json" ] || { echo "nasd did not start:" >&2; cat "$OUT/nasd.log" >&2; exit 1; }
field() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' "$OUT/nasd-info.json" "$1"; }
NASD_URL=$(field url); NASD_USER=$(field user); NASD_PASS=$(field pass)

echo "== starting peers (apache, rclone)"
bash "$KIT/peers.sh" start apache rclone >/dev/null
peer() { grep "^$1=" "$PEERS_DIR/peers.env" | head -1 | cut -d= -f2-; }

bench apache "$(peer APACHE_URL)" "$DAV_USER" "$DAV_PASS" "$(peer APACHE_PID)"
if [ "${BENCH_FLUSHED_APACHE:-1}" = 1 ]; then
  if gcc -shared -fPIC -O2 -o "$OUT/fsync-on-close.so" "$ROOT/test/bench/fsync-on-close.c" -ldl 2>"$OUT/gcc.log"; then
    echo "== restarting apache with every written file flushed before close (reference only)"
    LD_PRELOAD="$OUT/fsync-on-close.so" bash "$KIT/peers.sh" start apache >/dev/null
    bench apache-flushed "$(peer APACHE_URL)" "$DAV_USER" "$DAV_PASS" "$(peer APACHE_PID)"
  else
    echo "note: gcc could not build the flushed-Apache shim (see $OUT/gcc.log); skipping that reference run" >&2
  fi
fi
bench rclone "$(peer RCLONE_URL)" "$DAV_USER" "$DAV_PASS" "$(peer RCLONE_PID)"
bench nasd "$NASD_URL" "$NASD_USER" "$NASD_PASS" "$NASD_PID"

for n in ${BENCH_CURVE:-}; do
  echo "== nasd PROPFIND curve: $n entries"
  sync; sleep 2
  node "$KIT/webdav-bench.mjs" --url "$NASD_URL" --user "$NASD_USER" --pass "$NASD_PASS" --pid "$NASD_PID" \
    --label "nasd-$n" --skip big,small --entries "$n" --propfind-runs 5 --json "$OUT/curve-$n.json" >/dev/null
done

echo
node "$KIT/summarize.mjs" "$OUT/apache.json" $( [ -f "$OUT/apache-flushed.json" ] && echo "$OUT/apache-flushed.json") "$OUT/rclone.json" "$OUT/nasd.json"
echo
(cd "$ROOT" && node dist/test/bench/report.js "$OUT")
echo
echo "results in $OUT"
