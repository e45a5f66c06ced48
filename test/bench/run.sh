#!/usr/bin/env bash
# npm run bench: nasd against Apache mod_dav, Apache with every written file flushed, rclone serve
# and the runtime floor (floor-server.ts: Node doing only what nasd's data path must do), with the
# kit in test/bench/kit (override with BENCH_KIT). Builds once (tsc → dist/; nasd and the floor
# run compiled, as deployed), then runs BENCH_ROUNDS rounds. In each round every server is started
# fresh (new data dir, new process), benched with webdav-bench.mjs and stopped before the next one
# starts, so only the measured server is up and every round is an independent sample. The order
# rotates by one server per round (round 1: apache, apache-flushed, rclone, floor, nasd; round 2
# starts with apache-flushed...), so drift over the run (page cache, other load) is spread over
# all servers instead of always hitting the same one. Each run's JSON is saved as
# <label>-r<N>.json in the output dir; report.ts prints the medians, nasd's ratios and targets.
#   BENCH_ROUNDS=3        rounds (default 3)
#   BENCH_ARGS="..."      options for every webdav-bench run (default: --big-mib 512 --small 2000
#                         --seq 200 --entries 10000 --concurrency 8)
#   BENCH_CURVE="100000"  after the rounds, PROPFIND nasd and the floor on folders of these sizes
#                         (curve-<label>-<n>.json; the RSS-at-100k row). Default "100000", which
#                         adds a few minutes (creating 100,000 entries twice); "" skips it.
#   BENCH_SERVERS="apache apache-flushed rclone floor nasd"  which servers, in round-1 order
#   NASD_NODE_FLAGS="--no-memory-reducer --heap-growing-percent=50 --max-semi-space-size=4"
#                         node/V8 flags for nasd and the floor (default: the same flags as `npm start`)
#   NASD_MALLOC_ARENA_MAX=2  glibc malloc arenas for nasd and the floor (default: as `npm start`)
# apache-flushed runs Apache with fsync-on-close.c preloaded (every file written is fdatasync'ed
# before close, as nasd does before it answers a PUT); it needs gcc and is skipped without it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIT=${BENCH_KIT:-$ROOT/test/bench/kit}
[ -f "$KIT/webdav-bench.mjs" ] || { echo "bench kit not found at $KIT (set BENCH_KIT)" >&2; exit 2; }
ROUNDS=${BENCH_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
read -r -a ARGS <<<"${BENCH_ARGS:---big-mib 512 --small 2000 --seq 200 --entries 10000 --concurrency 8}"
read -r -a SERVERS <<<"${BENCH_SERVERS:-apache apache-flushed rclone floor nasd}"
read -r -a NODE_FLAGS <<<"${NASD_NODE_FLAGS:---no-memory-reducer --heap-growing-percent=50 --max-semi-space-size=4}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/nasd-bench.XXXXXX")
chmod 755 "$OUT" # the peers run as www-data and need to reach their data dirs below it
export PEERS_DIR="$OUT/peers" DAV_USER=litmus DAV_PASS=litmus
NODE_PID=""

stop_node_server() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID"
    for _ in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$NODE_PID" 2>/dev/null && kill -KILL "$NODE_PID"
  fi
  NODE_PID=""
  rm -rf "$OUT/node-data"
}
cleanup() {
  bash "$KIT/peers.sh" stop apache rclone >/dev/null 2>&1 || true
  stop_node_server
}
trap cleanup EXIT

# start_node_server SCRIPT: a compiled server that writes {url,user,pass,pid} to an info file.
start_node_server() {
  local script=$1 info="$OUT/node-info.json"
  rm -rf "$OUT/node-data" "$info"; mkdir -p "$OUT/node-data"
  (cd "$ROOT" && MALLOC_ARENA_MAX=${NASD_MALLOC_ARENA_MAX:-2} exec node "${NODE_FLAGS[@]}" "dist/test/bench/$script" "$OUT/node-data" "$info") >>"$OUT/${script%.js}.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 300); do [ -s "$info" ] && break; kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
  [ -s "$info" ] || { echo "$script did not start:" >&2; cat "$OUT/${script%.js}.log" >&2; exit 1; }
  S_URL=$(info_field "$info" url); S_USER=$(info_field "$info" user); S_PASS=$(info_field "$info" pass); S_PID=$(info_field "$info" pid)
}
info_field() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' "$1" "$2"; }
peer_field() { grep "^$1=" "$PEERS_DIR/peers.env" | head -1 | cut -d= -f2-; }

# start_server LABEL: starts it fresh and sets S_URL S_USER S_PASS S_PID.
start_server() {
  case $1 in
    apache | apache-flushed)
      if [ "$1" = apache-flushed ]; then LD_PRELOAD="$OUT/fsync-on-close.so" bash "$KIT/peers.sh" start apache >/dev/null
      else bash "$KIT/peers.sh" start apache >/dev/null; fi
      S_URL=$(peer_field APACHE_URL) S_USER=$DAV_USER S_PASS=$DAV_PASS S_PID=$(peer_field APACHE_PID) ;;
    rclone)
      bash "$KIT/peers.sh" start rclone >/dev/null
      S_URL=$(peer_field RCLONE_URL) S_USER=$DAV_USER S_PASS=$DAV_PASS S_PID=$(peer_field RCLONE_PID) ;;
    floor) start_node_server floor-server.js ;;
    nasd) start_node_server start-nasd.js ;;
    *) echo "unknown server: $1 (BENCH_SERVERS)" >&2; exit 2 ;;
  esac
}
stop_server() {
  case $1 in
    apache | apache-flushed) bash "$KIT/peers.sh" stop apache >/dev/null 2>&1 ;;
    rclone) bash "$KIT/peers.sh" stop rclone >/dev/null 2>&1 ;;
    *) stop_node_server ;;
  esac
}

# bench LABEL JSON_NAME [extra webdav-bench args]
bench() {
  local label=$1 json=$2; shift 2
  start_server "$label"
  sync; sleep 2
  node "$KIT/webdav-bench.mjs" --url "$S_URL" --user "$S_USER" --pass "$S_PASS" --pid "$S_PID" --label "$label" \
    --json "$OUT/$json" "$@" | tee "$OUT/${json%.json}.txt"
  stop_server "$label"
}

echo "== building (tsc → dist/; compiled JS, as deployed, without the tsx loader in the RSS)"
(cd "$ROOT" && npx tsc -p tsconfig.json >"$OUT/tsc.log" 2>&1) || echo "warning: tsc reported errors (see $OUT/tsc.log); benchmarking what it emitted" >&2
if [[ " ${SERVERS[*]} " == *" apache-flushed "* ]] && ! gcc -shared -fPIC -O2 -o "$OUT/fsync-on-close.so" "$ROOT/test/bench/fsync-on-close.c" -ldl 2>"$OUT/gcc.log"; then
  echo "note: gcc could not build the flushed-Apache shim (see $OUT/gcc.log); skipping apache-flushed" >&2
  read -r -a SERVERS <<<"${SERVERS[*]/apache-flushed/}"
fi

n=${#SERVERS[@]}
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    label=${SERVERS[$(((i + round - 1) % n))]}
    echo "== round $round/$ROUNDS: $label"
    bench "$label" "$label-r$round.json" "${ARGS[@]}"
  done
done

for entries in ${BENCH_CURVE-100000}; do
  for label in floor nasd; do
    [[ " ${SERVERS[*]} " == *" $label "* ]] || continue
    echo "== PROPFIND curve: $label, $entries entries"
    bench "$label" "curve-$label-$entries.json" --skip big,small,seq --entries "$entries" --propfind-runs 5 >/dev/null
  done
done

echo
node "$KIT/summarize.mjs" "$OUT"/*-r[0-9]*.json
echo
(cd "$ROOT" && node dist/test/bench/report.js "$OUT")
echo
echo "results in $OUT"
