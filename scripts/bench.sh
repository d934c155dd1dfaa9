#!/usr/bin/env bash
# Verity's benchmarks (issue 7): every workload against its reference, on a
# throwaway embedded cluster, written to bench/results.json and BENCHMARKS.md.
#
#   scripts/bench.sh                 # release build, 1,000,000 cases (make bench)
#   scripts/bench.sh --smoke         # small data, about a minute (make bench-smoke; the test suite runs it)
#   BENCH_CASES=100000 BENCH_SMALL_CASES=10000 scripts/bench.sh   # smaller, names say so (import-100k, ...)
#
# Options:
#   --smoke            small sizes, few runs, results into a temporary directory (or --out)
#   --verity PATH      use this verity binary instead of building the release one
#   --out DIR          where results.json and BENCHMARKS.md go (default: bench/ and the repository root)
#   --only LIST        only these workload groups, comma-separated: import, report, short, concurrent
#                      (default: all; $BENCH_WORKLOADS too). Without import the cases are imported
#                      untimed, e.g. BENCH_CASES=1000 scripts/bench.sh --only short --out /tmp/b
# Environment: BENCH_CASES (default 1000000), BENCH_SMALL_CASES (100000), BENCH_STREAM_SECONDS (20),
#   BENCH_STREAMS (16), BENCH_RUNS (hyperfine runs per command, 10), BENCH_WARMUP (3),
#   BENCH_SLOW_RUNS (runs of the big report and of the \copy reference, 3), BENCH_SHORT_RUNS (runs of
#   each short command, 40, in BENCH_SHORT_ROUNDS alternating rounds: as many, one run of each a
#   round), BENCH_BATCH_LINES (200).
#   BENCH_NO_HYPERFINE=1: time each run in this script even where hyperfine is installed.
# Needs: psql, pgbench, python3, /usr/bin/time, cc and libpq's headers (the short commands' C floor,
# bench/floor.c), and hyperfine except for --smoke (which times the runs itself without it);
# scripts/ensure-deps.sh installs them (--bench for hyperfine).
set -euo pipefail

# A parent may hand this script a blocked signal mask or an ignored SIGPIPE (a test runner
# spawning from a libdispatch worker thread blocks SIGTERM and SIGALRM, and ignores SIGPIPE):
# then `kill` cannot stop a stream, pgbench -T never ends and a writer to a closed pipe never
# dies. Bash cannot change its own mask, so start again once through python3 with a clean one.
if [ -z "${VERITY_BENCH_SIGNALS_RESET:-}" ] && command -v python3 >/dev/null; then
  export VERITY_BENCH_SIGNALS_RESET=1
  exec python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' bash "$0" "$@"
fi

here="$(cd "$(dirname "$0")/.." && pwd)"
smoke=0
verity_bin=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --verity) verity_bin="$2"; shift ;;
    --out) out="$2"; shift ;;
    --only) BENCH_WORKLOADS="$2"; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

if [ "$smoke" = 1 ]; then
  CASES="${BENCH_CASES:-2000}"; SMALL="${BENCH_SMALL_CASES:-200}"
  STREAM_SECONDS="${BENCH_STREAM_SECONDS:-3}"; STREAMS="${BENCH_STREAMS:-4}"
  RUNS="${BENCH_RUNS:-3}"; WARMUP="${BENCH_WARMUP:-1}"; SLOW_RUNS="${BENCH_SLOW_RUNS:-2}"; SLOW_WARMUP=0
else
  CASES="${BENCH_CASES:-1000000}"; SMALL="${BENCH_SMALL_CASES:-100000}"
  STREAM_SECONDS="${BENCH_STREAM_SECONDS:-20}"; STREAMS="${BENCH_STREAMS:-16}"
  RUNS="${BENCH_RUNS:-10}"; WARMUP="${BENCH_WARMUP:-3}"; SLOW_RUNS="${BENCH_SLOW_RUNS:-3}"; SLOW_WARMUP=1
fi

WORKLOADS=",${BENCH_WORKLOADS:-import,report,short,concurrent},"
for w in ${WORKLOADS//,/ }; do
  case "$w" in import|report|short|concurrent) ;; *) echo "bench.sh: unknown workload group $w (import, report, short, concurrent)" >&2; exit 64 ;; esac
done
want() { [[ "$WORKLOADS" == *",$1,"* ]]; } # want GROUP: whether this run measures that group
say() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
label() { # 1000000 -> 1m, 100000 -> 100k, 2000 -> 2k, 200 -> 200
  local n=$1
  if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))m"
  elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
  else echo "$n"; fi
}
BIG=$(label "$CASES"); LITTLE=$(label "$SMALL")

for tool in psql pgbench python3; do
  command -v "$tool" >/dev/null || { echo "bench.sh needs $tool (apt-get install -y postgresql-client postgresql-contrib python3)" >&2; exit 69; }
done
# The references run the real client programs. On Debian /usr/bin/psql is pg_wrapper, a Perl
# script that picks a version and then execs the real psql: about 25 ms per start on this
# machine, more than the query itself, which would flatter every ratio against psql.
client_bindir=""
bindirs=("$(pg_config --bindir 2>/dev/null || true)")
mapfile -t -O 1 bindirs < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
for d in "${bindirs[@]}"; do
  if [ -n "$d" ] && [ -x "$d/psql" ] && [ -x "$d/pgbench" ]; then client_bindir=$d; break; fi
done
PSQL_BIN=psql; PGBENCH_BIN=pgbench
if [ -n "$client_bindir" ]; then PSQL_BIN="$client_bindir/psql"; PGBENCH_BIN="$client_bindir/pgbench"; fi
case "$(readlink -f "$(command -v "$PSQL_BIN")")" in
  *pg_wrapper*) echo "bench.sh: psql is Debian's pg_wrapper and no real psql was found (pg_config --bindir); the ratios against psql would include its Perl start-up" >&2; exit 69 ;;
esac
[ -x /usr/bin/time ] || { echo "bench.sh needs /usr/bin/time (apt-get install -y time)" >&2; exit 69; }
# hyperfine times the runs when it is there; without it (or with BENCH_NO_HYPERFINE=1, which
# CI sets once so that this path is run too) each run is timed here. A measurement needs it.
have_hyperfine=0
if [ "${BENCH_NO_HYPERFINE:-0}" = 1 ]; then
  say "BENCH_NO_HYPERFINE=1: timing each run here, not with hyperfine"
elif command -v hyperfine >/dev/null; then
  have_hyperfine=1
elif [ "$smoke" = 0 ]; then
  echo "bench.sh needs hyperfine for a measurement: make bench installs it (scripts/ensure-deps.sh --bench), or apt-get install -y hyperfine; BENCH_NO_HYPERFINE=1 runs without it" >&2
  exit 69
else
  say "no hyperfine: timing each run here"
fi

started=$(date +%s)
# Seconds per phase, for the "where the time goes" table (NAME<TAB>SECONDS lines).
phases=""
phase_started=$started
phase() { # phase NAME: closes the phase that ran since the previous call
  local now; now=$(date +%s)
  phases+="$1"$'\t'"$((now - phase_started))"$'\n'; phase_started=$now
}
if [ -z "$verity_bin" ]; then
  # The binary `make install` builds (scripts/build-release.sh), in a build folder of its own.
  say "building the release binary (.build-bench, scripts/build-release.sh)"
  (cd "$here" && scripts/build-release.sh --scratch-path .build-bench --product verity >&2)
  verity_bin="$here/.build-bench/release/verity"
  phase "release build"
fi
verity_bin="$(cd "$(dirname "$verity_bin")" && pwd)/$(basename "$verity_bin")"

if [ -z "$out" ]; then
  if [ "$smoke" = 1 ]; then out="$(mktemp -d)"; results="$out/results.json"; report_md="$out/BENCHMARKS.md"
  else results="$here/bench/results.json"; report_md="$here/BENCHMARKS.md"; mkdir -p "$here/bench"; fi
else
  mkdir -p "$out"; results="$out/results.json"; report_md="$out/BENCHMARKS.md"
fi

work="$(mktemp -d)"
export VERITY_HOME="$work/home"
unset VERITY_DATABASE_URL DATABASE_URL
export VERITY_REVIEWER=editor
cleanup() {
  "$verity_bin" db stop >/dev/null 2>&1 || true
  local data; data="$(readlink "$VERITY_HOME/cluster" 2>/dev/null || true)"
  case "$data" in /var/lib/verity/clusters/*) rm -rf "$data" ;; esac
  rm -rf "$work"
}
trap cleanup EXIT

# What else the machine was doing: the ratios matter, the absolute times depend on it.
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
busy_start=$(ps -eo pcpu=,comm= --sort=-pcpu | head -5 | awk '{printf "%s%s (%s%% CPU)", (NR > 1 ? ", " : ""), $2, $1}')
say "starting a throwaway cluster in $VERITY_HOME"
"$verity_bin" db start >&2
URL="$("$verity_bin" db url)"
DATA="$(readlink -f "$VERITY_HOME/cluster")"
LOG="$DATA/server.log"
url_for() { echo "${URL/\/\/\/verity?/\/\/\/$1?}"; }
BIGURL="$URL"; SMALLURL="$(url_for verity_small)"
PSQL=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" "$URL" -c "ALTER SYSTEM SET track_functions = 'pl'" -c "SELECT pg_reload_conf()" >/dev/null
"${PSQL[@]}" "$URL" -c "CREATE DATABASE verity_small" >/dev/null
"$verity_bin" db migrate --database-url "$SMALLURL" >/dev/null
phase "cluster start"

# ------------------------------------------------------------------ timing helpers
mkdir -p "$work/hf"
# A workload is a command as a bash array, never a string a shell would read again: the
# embedded cluster's URL as root holds `&user=verity`, which a shell would take for `&`.
# bench_pair and bench_one take the names of such arrays (VERITY, REFERENCE, PREPARE; "" for none).
#
# hyperfine takes each command as one string; with -N it splits it into words with POSIX
# quoting rules itself and runs no shell, so each word is passed single-quoted.
hyperfine_words() { # hyperfine_words ARRAY_NAME: the array as one line of single-quoted words
  local -n words_of=$1
  local word quoted=()
  for word in "${words_of[@]}"; do quoted+=("'${word//\'/\'\\\'\'}'"); done
  printf '%s' "${quoted[*]}"
}
# Without hyperfine (BENCH_NO_HYPERFINE=1, or not installed for --smoke): each run timed here,
# its output discarded and its standard input empty, as hyperfine runs it.
mean_seconds() { # mean_seconds RUNS WARMUP COMMAND [PREPARE]: the mean wall seconds of RUNS runs after WARMUP
  local runs=$1 warmup=$2 i t0 total_us=0
  local -n run_cmd=$3
  # shellcheck disable=SC2034 # read through the nameref below when no PREPARE is given
  local no_prepare=(true)
  local -n prepare_cmd=${4:-no_prepare}
  for ((i = 0; i < warmup + runs; i++)); do
    "${prepare_cmd[@]}" </dev/null >/dev/null
    t0=${EPOCHREALTIME/./}
    "${run_cmd[@]}" </dev/null >/dev/null
    if [ "$i" -ge "$warmup" ]; then total_us=$((total_us + ${EPOCHREALTIME/./} - t0)); fi
  done
  calc "$total_us / 1e6 / $runs"
}
# bench_pair NAME VERITY REFERENCE [PREPARE]: mean seconds of each into $work/hf/NAME.{v,r}
bench_pair() {
  local name=$1 verity_name=$2 reference_name=$3 prepare_name=${4:-}
  local runs=${PAIR_RUNS:-$RUNS} warmup=${PAIR_WARMUP:-$WARMUP}
  if [ "$have_hyperfine" = 1 ]; then
    local args=(-N --warmup "$warmup" --runs "$runs" --export-json "$work/hf/$name.json" --style basic)
    [ -n "$prepare_name" ] && args+=(--prepare "$(hyperfine_words "$prepare_name")")
    hyperfine "${args[@]}" -n verity "$(hyperfine_words "$verity_name")" -n reference "$(hyperfine_words "$reference_name")" >&2
    python3 - "$work/hf/$name.json" "$work/hf/$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
open(sys.argv[2] + ".v", "w").write(str(r[0]["mean"]))
open(sys.argv[2] + ".r", "w").write(str(r[1]["mean"]))
EOF
  else
    mean_seconds "$runs" "$warmup" "$verity_name" "$prepare_name" > "$work/hf/$name.v"
    mean_seconds "$runs" "$warmup" "$reference_name" "$prepare_name" > "$work/hf/$name.r"
  fi
}
# bench_one NAME REFERENCE [PREPARE]: like bench_pair for a reference that has no Verity side; into $work/hf/NAME.r
bench_one() {
  local name=$1 reference_name=$2 prepare_name=${3:-}
  if [ "$have_hyperfine" = 1 ]; then
    local args=(-N --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/hf/$name.json" --style basic)
    [ -n "$prepare_name" ] && args+=(--prepare "$(hyperfine_words "$prepare_name")")
    hyperfine "${args[@]}" -n reference "$(hyperfine_words "$reference_name")" >&2
    python3 -c 'import json, sys; open(sys.argv[2], "w").write(str(json.load(open(sys.argv[1]))["results"][0]["mean"]))' \
      "$work/hf/$name.json" "$work/hf/$name.r"
  else
    mean_seconds "$RUNS" "$WARMUP" "$reference_name" "$prepare_name" > "$work/hf/$name.r"
  fi
}
# timed OUTPREFIX CMD...: wall seconds into OUTPREFIX.s, peak RSS (MB) into OUTPREFIX.mb
timed() {
  local prefix=$1; shift
  /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.out"
  python3 - "$prefix" <<'EOF'
import re, sys
p = sys.argv[1]; t = open(p + ".time").read()
e = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(e)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
open(p + ".s", "w").write(str(secs)); open(p + ".mb", "w").write(str(round(rss / 1024, 1)))
EOF
}
# record NAME VERITY_S REFERENCE_S RATIO TARGET MET [EXTRA-JSON]
: > "$work/rows.jsonl"
record() {
  python3 - "$@" >> "$work/rows.jsonl" <<'EOF'
import json, sys
a = sys.argv[1:]
num = lambda x: None if x in ("", "null") else round(float(x), 6)
row = {"name": a[0], "verity_s": num(a[1]), "reference_s": num(a[2]), "ratio": num(a[3]), "target": a[4],
       "met": None if a[5] == "null" else a[5] == "true"}
if len(a) > 6: row.update(json.loads(a[6]))
print(json.dumps(row))
EOF
}
calc() { python3 -c "print($1)"; }

# copy_all_prepare URL PREFIX [CONDITION...]: writes PREFIX.load.sql, a script that \copy's the
# rows of every table an import stores (each table's rows, or those of its CONDITION "TABLE:WHERE
# ..." when given) into bench_copy_TABLE, a table LIKE it INCLUDING ALL with its foreign keys
# pointing at the other copies, all in one transaction; sets COPY_ALL and COPY_ALL_PREPARE (the
# TRUNCATE that empties the copies) for bench_one, and writes the row count to PREFIX.rows.
copy_all_prepare() {
  local url=$1 prefix=$2; shift 2
  local tables=(reviewers sources cases case_sources case_assignments evidence_notes case_history record_history)
  local table cols where file rows=0 n
  : > "$prefix.load.sql"
  for table in "${tables[@]}"; do
    where=""
    for n in "$@"; do [ "${n%%:*}" = "$table" ] && where=" ${n#*:}"; done
    cols=$("${PSQL[@]}" "$url" -At -v t="$table" <<<"SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = format('public.%I', :'t')::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''")
    file="'${prefix//\'/\'\'}.$table.tsv'"
    "${PSQL[@]}" "$url" -c "DROP TABLE IF EXISTS bench_copy_$table CASCADE" \
      -c "CREATE TABLE bench_copy_$table (LIKE public.$table INCLUDING ALL)" \
      -c "\\copy (SELECT $cols FROM public.$table$where) TO $file" >/dev/null
    n=$(wc -l < "${prefix}.$table.tsv"); rows=$((rows + n))
    printf '\\copy bench_copy_%s (%s) FROM %s\n' "$table" "$cols" "$file" >> "$prefix.load.sql"
  done
  # The foreign keys among the copies (and to the tables nothing copies, such as case_states).
  "${PSQL[@]}" "$url" -At <<'SQL' > "$prefix.fk.sql"
SELECT format('ALTER TABLE bench_copy_%s ADD %s;', c.conrelid::regclass,
              regexp_replace(pg_get_constraintdef(c.oid),
                             'REFERENCES (public\.)?(reviewers|sources|cases|case_sources|case_assignments|evidence_notes|case_history|record_history)\(',
                             'REFERENCES bench_copy_\2('))
  FROM pg_constraint c
 WHERE c.contype = 'f'
   AND c.conrelid::regclass::text IN ('reviewers', 'sources', 'cases', 'case_sources', 'case_assignments',
                                      'evidence_notes', 'case_history', 'record_history')
SQL
  "${PSQL[@]}" "$url" -f "$prefix.fk.sql" >/dev/null
  echo "$rows" > "$prefix.rows"
  # (read by name by bench_one, which shellcheck cannot see)
  # shellcheck disable=SC2034
  COPY_ALL=("$PSQL_BIN" -X -q -1 -v ON_ERROR_STOP=1 -f "$prefix.load.sql" "$url")
  # shellcheck disable=SC2034
  COPY_ALL_PREPARE=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 "$url" -c "TRUNCATE $(printf 'bench_copy_%s, ' "${tables[@]}" | sed 's/, $//')")
}
# copy_all_drop URL: drops the copies of copy_all_prepare.
copy_all_drop() {
  "${PSQL[@]}" "$1" -c "DROP TABLE IF EXISTS bench_copy_reviewers, bench_copy_sources, bench_copy_cases, bench_copy_case_sources, bench_copy_case_assignments, bench_copy_evidence_notes, bench_copy_case_history, bench_copy_record_history CASCADE" >/dev/null
}

# ------------------------------------------------------------------ data
say "generating $SMALL cases"
"$verity_bin" generate --cases "$SMALL" --seed 1 --output "$work/small.jsonl" >/dev/null
phase "data generation ($SMALL cases)"

# Without the import workloads (--only), the same cases are imported without timing them.
load_untimed() {
  say "importing $CASES cases (untimed: the import workloads are not selected)"
  "$verity_bin" generate --cases "$CASES" --seed 1 --output "$work/big.jsonl" >/dev/null
  "$verity_bin" import "$work/big.jsonl" --database-url "$BIGURL" >/dev/null
  if want report; then "$verity_bin" import "$work/small.jsonl" --database-url "$SMALLURL" >/dev/null; fi
  "${PSQL[@]}" "$BIGURL" -c "VACUUM ANALYZE" >/dev/null
  "${PSQL[@]}" "$SMALLURL" -c "VACUUM ANALYZE" >/dev/null
  phase "untimed import ($CASES cases)"
}
if ! want import; then load_untimed; fi

# ------------------------------------------------------------------ import
if want import; then # (not indented: the section as it was)
# The big file is written while the small import runs: the generator is one
# client thread, and import-$LITTLE has no target (its time is for the record).
say "import-$LITTLE (into verity_small), generating $CASES cases meanwhile"
"$verity_bin" generate --cases "$CASES" --seed 1 --output "$work/big.jsonl" >/dev/null &
generator=$!
timed "$work/import-small" "$verity_bin" import "$work/small.jsonl" --database-url "$SMALLURL"
wait "$generator"
records_big=$(wc -l < "$work/big.jsonl")
phase "import-$LITTLE, data generation ($CASES cases)"
say "import-$BIG ($records_big records; one run: every run needs an empty database)"
wal_before=$("${PSQL[@]}" "$BIGURL" -At -c "SELECT pg_current_wal_lsn()")
timed "$work/import-big" "$verity_bin" import "$work/big.jsonl" --database-url "$BIGURL"
wal_mb=$("${PSQL[@]}" "$BIGURL" -At -v before="$wal_before" <<<"SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), :'before') / 1048576)")
phase "import-$BIG"
"${PSQL[@]}" "$BIGURL" -At -F $'\t' -c "SELECT funcname, calls, round(total_time::numeric / 1000, 2), round(self_time::numeric / 1000, 2) FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 8" > "$work/functions.tsv"
# copy-all, the reference of import-$BIG: every row the import stored, \copy'd in one
# transaction into tables with the same columns, indexes and constraints.
copy_all_prepare "$BIGURL" "$work/copy-all"
RUNS=1 WARMUP=0 bench_one copy-all COPY_ALL COPY_ALL_PREPARE
# The file's name inside psql's own quotes (a quote in it doubled), for \copy.
cases_tsv="'${work//\'/\'\'}/cases.tsv'"
"${PSQL[@]}" "$BIGURL" -c "CREATE TABLE bench_bare_cases (ref text, claim text, claimant text, claimed_at date, location text, tags text[], priority text, due date)" \
  -c "\\copy (SELECT ref, claim, claimant, claimed_at, location, tags, priority, due FROM cases ORDER BY id) TO $cases_tsv"
cases_rows=$(wc -l < "$work/cases.tsv")
REFERENCE=("$PSQL_BIN" -X -q "$BIGURL" -c "\\copy bench_bare_cases FROM $cases_tsv")
# shellcheck disable=SC2034 # (bench_pair and bench_one read these arrays by name)
PREPARE=("$PSQL_BIN" -X -q "$BIGURL" -c "TRUNCATE bench_bare_cases")
# The copy takes seconds at full size: the slow workloads' run counts.
RUNS=$SLOW_RUNS WARMUP=$SLOW_WARMUP bench_one copy-ref REFERENCE PREPARE
vi=$(cat "$work/import-big.s"); ri=$(cat "$work/hf/copy-ref.r"); ra=$(cat "$work/hf/copy-all.r")
ratio=$(calc "$vi / $ra")
record "import-$BIG" "$vi" "$ra" "$ratio" "<= 3.0" "$(calc "str($ratio <= 3.0).lower()")" \
  "{\"reference\": \"copy-all\", \"copy_all_rows\": $(cat "$work/copy-all.rows"), \"bare_cases_reference_s\": $ri, \"bare_cases_ratio\": $(calc "round($vi / $ri, 3)"), \"records\": $records_big, \"cases\": $CASES, \"verity_cases_per_s\": $(calc "round($CASES / $vi)"), \"reference_rows_per_s\": $(calc "round($cases_rows / $ri)"), \"import_${LITTLE}_s\": $(cat "$work/import-small.s"), \"wal_mb\": $wal_mb}"
copy_all_drop "$BIGURL"
"${PSQL[@]}" "$BIGURL" -c "DROP TABLE bench_bare_cases" -c "VACUUM ANALYZE" >/dev/null
"${PSQL[@]}" "$SMALLURL" -c "VACUUM ANALYZE" >/dev/null
phase "\\copy reference, VACUUM ANALYZE"
fi

# ------------------------------------------------------------------ report
if want report; then
say "report-$BIG"
mark=$(stat -c %s "$LOG")
"${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity SET log_min_duration_statement = 0" >/dev/null
"$verity_bin" report status --format json --database-url "$BIGURL" >/dev/null
"${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity RESET log_min_duration_statement" >/dev/null
# The statements the report ran, with their parameters written in, become the reference script.
tail -c +"$((mark + 1))" "$LOG" | python3 "$here/scripts/bench-log-to-sql.py" > "$work/report.sql"
cp "$work/report.sql" "${results%/*}/report-status.sql"
timed "$work/report-big" "$verity_bin" report status --format json --database-url "$BIGURL"
# A report on the big database takes seconds: fewer runs (BENCH_SLOW_RUNS, 3), and no
# warm-up of its own: the logged run and the memory run above have just read the same
# pages with the same statements, for both sides.
# shellcheck disable=SC2034
VERITY=("$verity_bin" report status --format json --database-url "$BIGURL")
REFERENCE=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 -o /dev/null -f "$work/report.sql" "$BIGURL")
PAIR_RUNS=$SLOW_RUNS PAIR_WARMUP=0 bench_pair "report-$BIG" VERITY REFERENCE
v=$(cat "$work/hf/report-$BIG.v"); r=$(cat "$work/hf/report-$BIG.r"); ratio=$(calc "$v / $r")
record "report-$BIG" "$v" "$r" "$ratio" "<= 1.2" "$(calc "str($ratio <= 1.2).lower()")" \
  "{\"statements\": $(grep -c ';$' "$work/report.sql")}"
# shellcheck disable=SC2034
REFERENCE=("$verity_bin" report status --format json --database-url "$SMALLURL")
bench_one "report-$LITTLE" REFERENCE
vs=$(cat "$work/hf/report-$LITTLE.r"); ratio=$(calc "$v / $vs")
record "report-$LITTLE-vs-$BIG" "$v" "$vs" "$ratio" "<= 10 (linear: $(calc "round($CASES / $SMALL, 2)"))" \
  "$(calc "str($ratio <= 10).lower()")" "{\"note\": \"verity_s is the report on $BIG cases, reference_s on $LITTLE\"}"
phase "reports"
fi

# ------------------------------------------------------------------ short commands (issue 20)
# case-show, case-list, case-move: Verity, psql and a bare C libpq program (bench/floor.c, the
# floor of a one-query command) side by side; then case show's peak RSS and verity batch's cost
# per line. Each in its own function below; run by `short_workloads`.
SHORT_RUNS="${BENCH_SHORT_RUNS:-$([ "$smoke" = 1 ] && echo 2 || echo 40)}"
SHORT_ROUNDS="${BENCH_SHORT_ROUNDS:-$SHORT_RUNS}"
BATCH_LINES="${BENCH_BATCH_LINES:-$([ "$smoke" = 1 ] && echo 20 || echo 200)}"
run_named() { local -n run_cmd_of=$1; "${run_cmd_of[@]}"; } # run_named ARRAY_NAME: runs the command in that array
timed_named() { local -n timed_cmd_of=$2; timed "$1" "${timed_cmd_of[@]}"; } # timed_named OUTPREFIX ARRAY_NAME
floor_build() { # compiles bench/floor.c into $work/floor (cc, libpq's headers from pg_config)
  command -v cc >/dev/null || { echo "bench.sh needs cc for the C floor (apt-get install -y gcc libpq-dev)" >&2; exit 69; }
  cc -O2 -I"$(pg_config --includedir)" -o "$work/floor" "$here/bench/floor.c" -lpq >&2
  FLOOR_BIN="$work/floor"
}
# bench_three NAME VERITY REFERENCE FLOOR OWN [PREPARE]: one warm-up round, then SHORT_ROUNDS rounds
# of SHORT_RUNS/SHORT_ROUNDS runs of each command (by default one: the runs alternate verity,
# psql, floor, own, verity, ...), so that what else a shared machine does falls on all alike.
# OWN is the C floor sending the statements Verity itself sent (own_statements).
# Writes $work/hf/NAME.stats (JSON: mean, median, stddev and runs of each label).
bench_three() {
  local name=$1 prepare_name=${6:-} round per=$(( (SHORT_RUNS + SHORT_ROUNDS - 1) / SHORT_ROUNDS ))
  local cmds=("$2" "$3" "$4" "$5") labels=(verity reference floor own) i
  : > "$work/hf/$name.times"
  for ((round = -1; round < SHORT_ROUNDS; round++)); do
    if [ "$have_hyperfine" = 1 ]; then
      local args=(-N --runs "$per" --export-json "$work/hf/$name.$round.json" --style none)
      [ -n "$prepare_name" ] && args+=(--prepare "$(hyperfine_words "$prepare_name")")
      for i in 0 1 2 3; do args+=(-n "${labels[$i]}" "$(hyperfine_words "${cmds[$i]}")"); done
      hyperfine "${args[@]}" >&2
      if [ "$round" -lt 0 ]; then continue; fi # (the warm-up round)
      python3 - "$work/hf/$name.$round.json" >> "$work/hf/$name.times" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    for t in r["times"]: print(r["command"], t)
EOF
    else
      local j t0
      for ((j = 0; j < per; j++)); do
        for i in 0 1 2 3; do
          if [ -n "$prepare_name" ]; then run_named "$prepare_name" </dev/null >/dev/null; fi
          t0=${EPOCHREALTIME/./}
          run_named "${cmds[$i]}" </dev/null >/dev/null
          if [ "$round" -ge 0 ]; then echo "${labels[$i]} $(calc "(${EPOCHREALTIME/./} - $t0) / 1e6")" >> "$work/hf/$name.times"; fi
        done
      done
    fi
  done
  python3 - "$work/hf/$name.times" > "$work/hf/$name.stats" <<'EOF'
import json, statistics, sys
times = {}
for line in open(sys.argv[1]):
    label, t = line.split(); times.setdefault(label, []).append(float(t))
print(json.dumps({k: {"mean": statistics.mean(v), "median": statistics.median(v),
                      "stddev": statistics.stdev(v) if len(v) > 1 else 0.0, "runs": len(v)} for k, v in times.items()}))
EOF
}
# record_three NAME TARGET LIMIT: a row of results.json from $work/hf/NAME.stats. The times are
# the medians (a run that another session's build slowed down moves a mean, not a median), the
# ratio theirs; the means are kept beside them (mean_s).
record_three() {
  local name=$1 target=$2 limit=$3 stats
  stats=$(cat "$work/hf/$name.stats")
  local v r
  v=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["verity"]["median"])' "$stats")
  r=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["reference"]["median"])' "$stats")
  local ratio; ratio=$(calc "$v / $r")
  record "$name" "$v" "$r" "$ratio" "$target" "$(calc "str($ratio <= $limit).lower()")" "$(python3 - "$stats" "$SHORT_ROUNDS" <<'EOF'
import json, sys
s = json.loads(sys.argv[1]); v, r, f, o = s["verity"], s["reference"], s["floor"], s["own"]
print(json.dumps({"floor_s": round(f["median"], 6), "floor_ratio": round(v["median"] / f["median"], 6),
                  "reference_floor_ratio": round(r["median"] / f["median"], 6),
                  "own_floor_s": round(o["median"], 6), "own_floor_ratio": round(v["median"] / o["median"], 6),
                  "own_floor_reference_ratio": round(o["median"] / r["median"], 6), "times": "medians",
                  "mean_s": {"verity": round(v["mean"], 6), "reference": round(r["mean"], 6), "floor": round(f["mean"], 6),
                             "own": round(o["mean"], 6)},
                  "ratio_of_means": round(v["mean"] / r["mean"], 6), "runs": v["runs"], "rounds": int(sys.argv[2])}))
EOF
)"
}
# own_statements NAME COMMAND...: the statements COMMAND sends (session set-up and migration check
# included), from the server log with their parameters written in, into $work/NAME-own.sql: what
# Verity asks of the server, for the C floor to send as one message (the floor of those statements).
own_statements() {
  local name=$1 mark; shift
  mark=$(stat -c %s "$LOG")
  "${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity SET log_min_duration_statement = 0" >/dev/null
  "$@" >/dev/null
  "${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity RESET log_min_duration_statement" >/dev/null
  tail -c +"$((mark + 1))" "$LOG" | python3 "$here/scripts/bench-log-to-sql.py" > "$work/$name-own.sql"
}
short_case_show() { # case show ID --format json against one SELECT building the same JSON
  # Everything `case show` prints: the case (reviewers, lead, duplicate, pending sign-off, the
  # states it may move to), its sources (their link's role, every case citing them), evidence
  # (author), history, links and verdict proposals (who proposed and decided).
  show_sql="SELECT json_build_object(
  'case', (SELECT to_json(c) FROM (SELECT c.*, ab.handle AS assessed_by_handle,
      coalesce((SELECT array_agg(r.handle ORDER BY a.is_lead DESC, r.handle) FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id WHERE a.case_id = c.id), '{}') AS reviewers,
      (SELECT r.handle FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id WHERE a.case_id = c.id AND a.is_lead) AS lead,
      dl.other_id AS duplicate_of, vp.id IS NOT NULL AS awaiting_sign_off,
      (SELECT array_agg(t.to_state ORDER BY t.to_state) FROM case_transitions t WHERE t.from_state = c.state) AS allowed_next_states
    FROM cases c LEFT JOIN reviewers ab ON ab.id = c.assessed_by
    LEFT JOIN case_links dl ON dl.case_id = c.id AND dl.kind = 'duplicate-of' AND dl.unlinked_at IS NULL
    LEFT JOIN verdict_proposals vp ON vp.case_id = c.id AND vp.state = 'pending' WHERE c.id = $ID) c),
  'sources', (SELECT json_agg(s ORDER BY s.id) FROM (SELECT s.*, l.role, r.handle AS added_by_handle,
      (SELECT array_agg(o.case_id ORDER BY o.case_id) FROM case_sources o WHERE o.source_id = s.id) AS cases
    FROM sources s JOIN case_sources l ON l.source_id = s.id LEFT JOIN reviewers r ON r.id = s.added_by WHERE l.case_id = $ID) s),
  'evidence', (SELECT json_agg(e ORDER BY e.id) FROM (SELECT e.*, a.handle AS author, rb.handle AS retracted_by_handle
    FROM evidence_notes e JOIN reviewers a ON a.id = e.author_id LEFT JOIN reviewers rb ON rb.id = e.retracted_by WHERE e.case_id = $ID) e),
  'history', (SELECT json_agg(h ORDER BY h.seq) FROM (SELECT h.id, h.seq, h.at, r.handle AS actor, h.action, h.from_state, h.to_state, h.reason, h.details
    FROM case_history h LEFT JOIN reviewers r ON r.id = h.actor_id WHERE h.case_id = $ID) h),
  'links', (SELECT json_agg(l ORDER BY l.id) FROM (SELECT l.*, o.ref AS other_ref, r.handle AS linked_by_handle
    FROM case_links l JOIN cases o ON o.id = CASE WHEN l.case_id = $ID THEN l.other_id ELSE l.case_id END LEFT JOIN reviewers r ON r.id = l.linked_by
    WHERE (l.case_id = $ID OR l.other_id = $ID) AND l.unlinked_at IS NULL) l),
  'proposals', (SELECT json_agg(p ORDER BY p.id) FROM (SELECT p.*, pb.handle AS proposed_by_handle, db.handle AS decided_by_handle
    FROM verdict_proposals p JOIN reviewers pb ON pb.id = p.proposed_by LEFT JOIN reviewers db ON db.id = p.decided_by WHERE p.case_id = $ID) p))"
  printf '%s;\n' "$show_sql" > "$work/show.sql"
  # shellcheck disable=SC2034 # read by name in bench_three
  local verity=("$verity_bin" case show "$ID" --format json --database-url "$BIGURL")
  # shellcheck disable=SC2034
  local reference=("$PSQL_BIN" -X -At -v ON_ERROR_STOP=1 -f "$work/show.sql" "$BIGURL")
  # shellcheck disable=SC2034
  local floor=("$FLOOR_BIN" "$BIGURL" "$work/show.sql")
  own_statements show "${verity[@]}"
  # shellcheck disable=SC2034
  local own=("$FLOOR_BIN" "$BIGURL" "$work/show-own.sql")
  bench_three case-show verity reference floor own
  record_three case-show "<= 1.2" 1.2
  # Peak RSS of one run of each (the most of 3 runs).
  local mb=() who
  for who in verity reference floor; do
    local most=0
    for _ in 1 2 3; do timed_named "$work/rss-$who" "$who"; most=$(calc "max($most, $(cat "$work/rss-$who.mb"))"); done
    mb+=("$most")
  done
  local ratio; ratio=$(calc "${mb[0]} / ${mb[1]}")
  record case-show-memory "" "" "$ratio" "<= 1.5 (peak RSS, of psql's)" "$(calc "str($ratio <= 1.5).lower()")" \
    "{\"verity_mb\": ${mb[0]}, \"reference_mb\": ${mb[1]}, \"floor_mb\": ${mb[2]}, \"floor_ratio\": $(calc "round(${mb[0]} / ${mb[2]}, 6)")}"
}
short_case_list() { # case list --limit 50 (a table) against psql printing the same query's rows as a table
  # The statements the command sends, from the server log (as for the report), without the
  # session set-up and the migration check every command makes first.
  local mark; mark=$(stat -c %s "$LOG")
  "${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity SET log_min_duration_statement = 0" >/dev/null
  "$verity_bin" case list --limit 50 --database-url "$BIGURL" >/dev/null
  "${PSQL[@]}" "$BIGURL" -c "ALTER DATABASE verity RESET log_min_duration_statement" >/dev/null
  tail -c +"$((mark + 1))" "$LOG" | python3 "$here/scripts/bench-log-to-sql.py" \
    | python3 -c 'import sys; s = sys.stdin.read().split(";\n"); print(";\n".join(x for x in s if x.strip() and not x.lstrip().startswith(("SET ", "ALTER ")) and not any(w in x for w in ("verity_schema_migrations", "set_config(\x27DateStyle\x27", "client_connection_check_interval"))) + ";")' \
    > "$work/list.sql"
  # shellcheck disable=SC2034
  local verity=("$verity_bin" case list --limit 50 --database-url "$BIGURL")
  # shellcheck disable=SC2034
  local reference=("$PSQL_BIN" -X -q -P pager=off -v ON_ERROR_STOP=1 -f "$work/list.sql" "$BIGURL")
  # shellcheck disable=SC2034
  local floor=("$FLOOR_BIN" "$BIGURL" "$work/list.sql")
  own_statements list "${verity[@]}"
  # shellcheck disable=SC2034
  local own=("$FLOOR_BIN" "$BIGURL" "$work/list-own.sql")
  bench_three case-list verity reference floor own
  record_three case-list "<= 1.3" 1.3
}
short_case_move() { # case move ID --to evidence-pending against the same SQL in one transaction
  cat > "$work/dispute.sql" <<EOF
BEGIN;
SELECT set_config('verity.actor', 'editor', true), set_config('verity.reason', 'bench: back to disputed', true);
UPDATE cases SET state = 'disputed' WHERE id = $ID AND state = 'evidence-pending';
COMMIT;
EOF
  cat > "$work/move.sql" <<EOF
BEGIN;
SELECT set_config('verity.actor', 'editor', true), set_config('verity.reason', '', true);
SELECT id, state, version FROM cases WHERE id = $ID FOR UPDATE;
UPDATE cases SET state = 'evidence-pending', verdict = NULL, confidence = NULL, rationale = NULL WHERE id = $ID RETURNING id, state, version;
COMMIT;
EOF
  # shellcheck disable=SC2034
  local verity=("$verity_bin" case move "$ID" --to evidence-pending --as editor --database-url "$BIGURL")
  # shellcheck disable=SC2034
  local reference=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 -o /dev/null -f "$work/move.sql" "$BIGURL")
  # shellcheck disable=SC2034
  local floor=("$FLOOR_BIN" "$BIGURL" "$work/move.sql")
  # shellcheck disable=SC2034
  local prepare=("$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 -f "$work/dispute.sql" "$BIGURL")
  "${prepare[@]}" >/dev/null
  own_statements move "${verity[@]}"
  # (The UPDATE names the version it read; the floor's runs each find the case disputed again.)
  sed -i -E "s/AND version = '[0-9]+'/AND state = 'disputed'/" "$work/move-own.sql"
  # shellcheck disable=SC2034
  local own=("$FLOOR_BIN" "$BIGURL" "$work/move-own.sql")
  bench_three case-move verity reference floor own prepare
  record_three case-move "<= 1.2" 1.2
}
# short_batch show|move: verity batch's cost of one more line: a batch of BATCH_LINES lines
# (case show, or moves there and back) against a batch of one (two moves), next to psql's process.
# (The show runs before any move, on the case case-show showed: its history as long.)
short_batch() {
  local kind=$1 n=$BATCH_LINES i lines_one
  if [ "$kind" = show ]; then
    printf 'case show %s --format json\n' "$ID" > "$work/batch-show-1.txt"
  else
    printf 'case move %s --to disputed --reason "bench batch" --as editor\ncase move %s --to evidence-pending --as editor\n' "$ID" "$ID" > "$work/batch-move-1.txt"
  fi
  lines_one=$(wc -l < "$work/batch-$kind-1.txt")
  for ((i = 0; i < n / lines_one; i++)); do cat "$work/batch-$kind-1.txt"; done > "$work/batch-$kind-n.txt"
  # shellcheck disable=SC2034
  local one=("$verity_bin" batch --file "$work/batch-$kind-1.txt" --database-url "$BIGURL")
  # shellcheck disable=SC2034
  local many=("$verity_bin" batch --file "$work/batch-$kind-n.txt" --database-url "$BIGURL")
  bench_pair "batch-$kind" many one
  local per r
  per=$(calc "($(cat "$work/hf/batch-$kind.v") - $(cat "$work/hf/batch-$kind.r")) / ($n - $lines_one)")
  r=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["reference"]["median"])' "$work/hf/case-$kind.stats")
  record "batch-case-$kind" "$per" "$r" "$(calc "$per / $r")" "none (a line of verity batch against a psql process)" null \
    "{\"lines\": $n, \"note\": \"verity_s: (batch of $n lines - batch of $lines_one) / $((n - lines_one)), means; reference_s: psql's case-$kind (median)\"}"
}
short_workloads() {
  ID=$("${PSQL[@]}" "$BIGURL" -At -c "SELECT id FROM cases WHERE state = 'disputed' ORDER BY id LIMIT 1")
  say "short commands on case $ID: Verity, psql and the C floor ($SHORT_RUNS runs each in $SHORT_ROUNDS alternating rounds)"
  floor_build
  short_case_show
  short_case_list
  short_batch show
  short_case_move
  short_batch move
}
if want short; then
  short_workloads
  phase "case-show, case-list, case-move, batch"
fi

# ------------------------------------------------------------------ concurrent moves
if want concurrent; then
say "concurrent-moves: $STREAMS streams for $STREAM_SECONDS s, three times (verity batch, a process per move, pgbench)"
mapfile -t stream_ids < <("${PSQL[@]}" "$BIGURL" -At -c "SELECT id FROM cases WHERE state = 'evidence-pending' ORDER BY id LIMIT $STREAMS")
ids_csv=$(IFS=,; echo "${stream_ids[*]}")
# Transitions made: history rows of the streams' cases written after MARK (committed ones only).
history_mark() { "${PSQL[@]}" "$BIGURL" -At -c "SELECT coalesce(max(id), 0) FROM case_history"; }
moves_since() {
  "${PSQL[@]}" "$BIGURL" -At -c "SELECT count(*) FROM case_history WHERE id > $1 AND case_id IN ($ids_csv) AND action IN ('dispute', 'move')"
}
# 1. The long-lived client: each stream is one `verity batch` reading an endless alternation of
#    moves of its own case from a pipe, stopped after STREAM_SECONDS.
moves_for() { # the command lines of one stream, until the batch reading them is gone
  # (|| return: under a parent that ignores SIGPIPE, as the test runner does, a write to the
  # closed pipe fails instead of killing this loop, and it would spin forever.)
  while :; do
    printf 'case move %s --to disputed --reason "bench stream" --as editor\ncase move %s --to evidence-pending --as editor\n' "$1" "$1" || return 0
  done
}
mark=$(history_mark)
batches=()
for id in "${stream_ids[@]}"; do
  moves_for "$id" | "$verity_bin" batch --database-url "$BIGURL" >/dev/null 2>&1 &
  batches+=($!)
done
# Stopped by this shell rather than by timeout(1), which counts with SIGALRM: a parent such as
# the test runner may have it blocked (see pgbench below), and then the batches never stop.
sleep "$STREAM_SECONDS"
kill -TERM "${batches[@]}" 2>/dev/null || true
wait
batch_moves=$(moves_since "$mark")
# Each stream leaves its case disputed or evidence-pending; put them all back for the next runs.
"${PSQL[@]}" "$BIGURL" -c "BEGIN" -c "SELECT set_config('verity.actor', 'editor', true), set_config('verity.reason', 'bench: reset', true)" \
  -c "UPDATE cases SET state = 'evidence-pending' WHERE id IN ($ids_csv) AND state = 'disputed'" -c "COMMIT" >/dev/null
# 2. A process per move, as a shell script calling `verity case move` would.
stream() { # one case, alternately disputed and back, until the deadline
  local id=$1 until=$2
  while [ "$(date +%s%N)" -lt "$until" ]; do
    "$verity_bin" case move "$id" --to disputed --reason "bench stream" --as editor --database-url "$BIGURL" >/dev/null
    "$verity_bin" case move "$id" --to evidence-pending --as editor --database-url "$BIGURL" >/dev/null
  done
}
mark=$(history_mark)
until=$(( $(date +%s%N) + STREAM_SECONDS * 1000000000 ))
for id in "${stream_ids[@]}"; do stream "$id" "$until" & done
wait
process_moves=$(moves_since "$mark")
# 3. The reference: pgbench, one connection per client, the same transition as one transaction.
{ echo "\\set n random(0, $((STREAMS - 1)))"
  echo "BEGIN;"
  echo "SELECT set_config('verity.actor', 'editor', true), set_config('verity.reason', 'bench stream', true);"
  echo "UPDATE cases SET state = CASE state WHEN 'disputed' THEN 'evidence-pending' ELSE 'disputed' END WHERE id = (SELECT id FROM cases WHERE state IN ('disputed', 'evidence-pending') ORDER BY id OFFSET $STREAMS + :client_id LIMIT 1);"
  echo "END;"; } > "$work/pgbench.sql"
python3 -c "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM]); os.execvp(sys.argv[1], sys.argv[1:])" \
  "$PGBENCH_BIN" -n -f "$work/pgbench.sql" -c "$STREAMS" -j 2 -T "$STREAM_SECONDS" "$BIGURL" > "$work/pgbench.out" 2>&1
# (pgbench stops -T with SIGALRM, which a parent such as the test runner may have blocked: unblocked above.)
r_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.out" | head -1)
v_tps=$(calc "$batch_moves / $STREAM_SECONDS")
ratio=$(calc "$v_tps / $r_tps")
record concurrent-moves "" "" "$ratio" ">= 0.3 (of the transitions/s)" "$(calc "str($ratio >= 0.3).lower()")" \
  "{\"verity_tps\": $v_tps, \"reference_tps\": $r_tps, \"streams\": $STREAMS, \"seconds\": $STREAM_SECONDS, \"client\": \"verity batch\"}"
p_tps=$(calc "$process_moves / $STREAM_SECONDS")
record concurrent-moves-processes "" "" "$(calc "$p_tps / $r_tps")" "none (for comparison: a process per move)" null \
  "{\"verity_tps\": $p_tps, \"reference_tps\": $r_tps, \"streams\": $STREAMS, \"seconds\": $STREAM_SECONDS, \"client\": \"verity case move\"}"
phase "concurrent moves"
fi

# ------------------------------------------------------------------ imports into a desk in use
if want import; then
# Last, because they add to the big desk. The small file under other references is new
# cases for it; the same file into an empty database is the reference (run now, with
# nothing else running, unlike import-$LITTLE above).
say "import-$LITTLE-into-$BIG"
sed -e 's/"GEN-/"NEW-/g' "$work/small.jsonl" > "$work/small-new.jsonl"
SMALL2URL="$(url_for verity_small_new)"
"${PSQL[@]}" "$URL" -c "CREATE DATABASE verity_small_new" >/dev/null
"$verity_bin" db migrate --database-url "$SMALL2URL" >/dev/null
timed "$work/import-small-empty" "$verity_bin" import "$work/small-new.jsonl" --database-url "$SMALL2URL"
timed "$work/import-small-busy" "$verity_bin" import "$work/small-new.jsonl" --database-url "$BIGURL"
ve=$(cat "$work/import-small-empty.s"); vb=$(cat "$work/import-small-busy.s"); ratio=$(calc "$vb / $ve")
record "import-$LITTLE-into-$BIG" "$vb" "$ve" "$ratio" "<= 1.3" "$(calc "str($ratio <= 1.3).lower()")" \
  "{\"reference\": \"import-$LITTLE into an empty desk\", \"cases\": $SMALL, \"desk_cases\": $CASES}"
phase "import-$LITTLE-into-$BIG"

# A file that changes existing cases: for each of UPDATES cases of the big desk that are
# claimed or wait for evidence, a new note and a move to evidence-pending or an assessment.
UPDATES=$((SMALL / 10)); UPD=$(label "$UPDATES")
say "import-update-$UPD"
"${PSQL[@]}" "$BIGURL" -At -v n="$UPDATES" > "$work/update.jsonl" <<'SQL'
SELECT concat_ws(E'\n',
         json_build_object('type', 'evidence', 'case', c.ref, 'stance', 'refutes', 'credibility', 3,
                           'note', 'bench update of ' || c.ref, 'by', 'editor', 'at', t.noted)::text,
         CASE WHEN c.state = 'claimed'
              THEN json_build_object('type', 'transition', 'case', c.ref, 'to', 'evidence-pending',
                                     'by', 'editor', 'at', t.moved)::text
              ELSE json_build_object('type', 'assessment', 'case', c.ref, 'verdict', 'false', 'confidence', 2,
                                     'rationale', 'bench update', 'by', 'editor', 'at', t.moved)::text END)
  FROM cases c,
       (SELECT to_char(now() AT TIME ZONE 'UTC' - interval '2 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS noted,
               to_char(now() AT TIME ZONE 'UTC' - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS moved) t
 WHERE c.state IN ('claimed', 'evidence-pending') AND c.ref LIKE 'GEN-%'
 ORDER BY c.id LIMIT :n
SQL
marks=$("${PSQL[@]}" "$BIGURL" -At -F ' ' -c "SELECT (SELECT coalesce(max(id), 0) FROM case_history), (SELECT coalesce(max(id), 0) FROM evidence_notes)")
hmark=${marks% *}; nmark=${marks#* }
timed "$work/import-update" "$verity_bin" import "$work/update.jsonl" --database-url "$BIGURL"
# The reference: the rows it wrote (its notes, history rows and the cases it changed) \copy'd
# into the copies, with the reviewers their keys need.
copy_all_prepare "$BIGURL" "$work/copy-update" "sources:WHERE false" "case_sources:WHERE false" \
  "case_assignments:WHERE false" "record_history:WHERE false" "evidence_notes:WHERE id > $nmark" \
  "case_history:WHERE id > $hmark" "cases:WHERE id IN (SELECT case_id FROM case_history WHERE id > $hmark)"
RUNS=$SLOW_RUNS WARMUP=$SLOW_WARMUP bench_one copy-update COPY_ALL COPY_ALL_PREPARE
copy_all_drop "$BIGURL"
vu=$(cat "$work/import-update.s"); ru=$(cat "$work/hf/copy-update.r"); ratio=$(calc "$vu / $ru")
record "import-update-$UPD" "$vu" "$ru" "$ratio" "<= 3.0" "$(calc "str($ratio <= 3.0).lower()")" \
  "{\"reference\": \"copy-all of the rows it writes\", \"cases_changed\": $(grep -c 'bench update of' "$work/update.jsonl" || true), \"copy_rows\": $(cat "$work/copy-update.rows")}"
phase "import-update-$UPD"
fi

# ------------------------------------------------------------------ memory
if want import && want report; then
mi=$(cat "$work/import-big.mb"); mr=$(cat "$work/report-big.mb")
mbusy=$(cat "$work/import-small-busy.mb"); mu=$(cat "$work/import-update.mb"); peak=$(calc "max($mi, $mr, $mbusy, $mu)")
record memory "" "" "" "<= 64 MB" "$(calc "str($peak <= 64).lower()")" \
  "{\"import_${BIG}_mb\": $mi, \"report_${BIG}_mb\": $mr, \"import_${LITTLE}_into_${BIG}_mb\": $mbusy, \"import_update_${UPD}_mb\": $mu}"
fi

# ------------------------------------------------------------------ write
elapsed=$(( $(date +%s) - started ))
phase "writing the results"
printf '%s' "$phases" > "$work/phases.tsv"
# Every value the writer needs goes in through its environment: nothing is written into its code.
timing=hyperfine; [ "$have_hyperfine" = 1 ] || timing="timed"
SMOKE=$smoke ELAPSED=$elapsed CASES=$CASES SMALL=$SMALL RUNS=$RUNS WARMUP=$WARMUP SLOW_RUNS=$SLOW_RUNS \
  SLOW_WARMUP=$SLOW_WARMUP TIMING=$timing LOAD_START=$load_start BUSY_START=$busy_start PSQL_BIN=$PSQL_BIN \
  BIGURL=$BIGURL VERITY_BIN=$verity_bin HERE=$here \
  python3 - "$work/rows.jsonl" "$results" "$report_md" "$work/functions.tsv" "$work/phases.tsv" <<'EOF'
import json, os, sys, platform, subprocess
E = os.environ
smoke, elapsed, cases, small = E["SMOKE"] == "1", int(E["ELAPSED"]), int(E["CASES"]), int(E["SMALL"])
psql, timing = E["PSQL_BIN"], E["TIMING"]
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump(rows, open(sys.argv[2], "w"), indent=2); open(sys.argv[2], "a").write("\n")
def sh(argv): # a program's output, its arguments a list (no shell reads them)
    try: return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
    except Exception: return "?"
def cpu_model():
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"): return l.split(":", 1)[1].strip()
    return "?"
f = lambda x, d=3: "—" if x is None else f"{x:.{d}f}"
lines = ["# Verity benchmarks", "",
  "Written by `scripts/bench.sh`" + (" --smoke (smoke run: tiny data, not a measurement)" if smoke else "") +
  f" in {elapsed} s (`make bench` end to end: the release build when it builds one, cluster start, data generation, every workload; the phases are listed below). Sizes: {cases:,} cases (`BENCH_CASES`), {small:,} (`BENCH_SMALL_CASES`); {timing} runs: {E['RUNS']} after {E['WARMUP']} warm-up ({E['SLOW_RUNS']} for the big report, after its logged and memory runs, and {E['SLOW_RUNS']} after {E['SLOW_WARMUP']} for the \\copy reference).", "",
  "| workload | Verity | reference | ratio | target | met |", "|---|---|---|---|---|---|"]
for r in rows:
    n = r["name"]
    if n.startswith("concurrent-moves"):
        v = f"{r['verity_tps']:.1f} transitions/s (`{r['client']}`)"
        ref = f"{r['reference_tps']:.1f} transitions/s (pgbench)"
    elif n == "memory":
        v, ref = " / ".join(f"{k[:-3]}: {val} MB" for k, val in r.items() if k.endswith("_mb")), ""
    elif n.startswith("import-") and "records" in r:
        v = f"{r['verity_s']:.2f} s ({r['verity_cases_per_s']:,} cases/s, {r['records']:,} records, {r['wal_mb']:,} MB of WAL)"
        ref = (f"{r['reference_s']:.3f} s (copy-all: \\copy of its {r['copy_all_rows']:,} rows; bare cases "
               f"\\copy {r['bare_cases_reference_s']:.3f} s, {r['bare_cases_ratio']:.1f}x)")
    elif n.startswith("import-"):
        v, ref = f"{r['verity_s']:.2f} s", f"{r['reference_s']:.3f} s ({r['reference']})"
    elif n == "case-show-memory":
        v = f"{r['verity_mb']} MB"
        ref = f"{r['reference_mb']} MB (psql); C floor {r['floor_mb']} MB"
    elif "floor_s" in r:
        v = f"{r['verity_s'] * 1000:.1f} ms"
        ref = (f"{r['reference_s'] * 1000:.1f} ms (psql); C floor {r['floor_s'] * 1000:.1f} ms, Verity {r['floor_ratio']:.2f}x of it; "
               f"Verity's own statements by the C floor {r['own_floor_s'] * 1000:.1f} ms ({r['own_floor_reference_ratio']:.2f}x psql)")
    elif n.startswith("batch-"):
        v, ref = f"{r['verity_s'] * 1000:.2f} ms a line", f"{r['reference_s'] * 1000:.1f} ms (a psql process)"
    elif "-vs-" in n:
        v, ref = f"{r['verity_s']:.3f} s (big)", f"{r['reference_s']:.3f} s (small)"
    else:
        v, ref = f"{r['verity_s'] * 1000:.1f} ms", f"{r['reference_s'] * 1000:.1f} ms"
    met = "n/a" if r["met"] is None else ("met" if r["met"] else "**not met**")
    lines.append(f"| `{n}` | {v} | {ref} | {f(r['ratio'], 2)} | {r['target']} | {met} |")
lines += ["", "## Where the run's time went", "", "| phase | seconds |", "|---|---|"]
for l in open(sys.argv[5]):
    p = l.rstrip("\n").split("\t")
    if len(p) == 2: lines.append(f"| {p[0]} | {int(p[1]):,} |")
lines += ["", "## Machine and versions", "",
  "- " + str(len(os.sched_getaffinity(0))) + " cores, " + cpu_model() + ", load average at the start: " + E["LOAD_START"] + ", at the end: " + " ".join(open("/proc/loadavg").read().split()[:3]),
  "- busiest processes at the start: " + E["BUSY_START"],
  "- " + platform.platform(), "- " + sh(["swift", "--version"]).split("\n")[0], "- " + sh([psql, "--version"]) + f" (`{psql}`, the real binary, not Debian's pg_wrapper), server: " + sh([psql, "-X", "-At", E["BIGURL"], "-c", "SHOW server_version"]),
  f"- timing: {sh(['hyperfine', '--version']) if timing == 'hyperfine' else 'each run timed by bench.sh (no hyperfine)'}", f"- verity: `{E['VERITY_BIN']}`", "",
  "## Where the import's apply time goes (pg_stat_user_functions, track_functions = pl)", "",
  "| function | calls | total s | self s |", "|---|---|---|---|"]
for l in (open(sys.argv[4]) if os.path.exists(sys.argv[4]) else []):
    p = l.rstrip("\n").split("\t")
    if len(p) == 4: lines.append(f"| `{p[0]}` | {int(p[1]):,} | {p[2]} | {p[3]} |")
lines += ["", "## Commands", "",
  "Each workload, as `scripts/bench.sh` runs it (`$V` is the verity binary, `$URL` the throwaway cluster's database):", "",
  "- `import`: `/usr/bin/time -v $V import big.jsonl` into an empty database, one run (a second run would find everything there); reference `copy-all`: every row the import stored (reviewers, sources, cases, links, assignments, notes, history with its hashes, record history), `\\copy`'d out and then into tables `LIKE` them `INCLUDING ALL` with their foreign keys among the copies, in one transaction (`psql -1 -f`), one run; the bare-cases `\\copy` (the imported cases' rows into a bare table of their columns) stays beside it. The smaller import (`import_SMALL_s` in results.json) runs while `verity generate` writes the big file on the other core, so its time is for the record only.",
  "- `import-SMALL-into-BIG`: the small file under other references (`NEW-`), imported into the big desk after every other workload; reference: the same file into a new empty database just before it.",
  "- `import-update-N`: a file of N changes to existing cases of the big desk (a note and a move to evidence-pending, or a note and an assessment, each); reference: the rows it wrote (its notes and history rows, the cases it changed, the reviewers their keys need) `\\copy`'d into the copies in one transaction.",
  "- `report`: `hyperfine -N '$V report status --format json'` vs `psql -X -q -o /dev/null -f report-status.sql`, where report-status.sql is every statement the report sent, taken from the server log (log_min_duration_statement = 0) with its parameters written in (`scripts/bench-log-to-sql.py`; a copy is left next to results.json).",
  "- `report-SMALL-vs-BIG`: the same Verity command on the small database; ratio = big ÷ small.",
  "- `case-show`: `hyperfine -N '$V case show ID --format json'` vs `psql -X -At -f show.sql` (one SELECT building, as JSON, everything `case show` prints: the case with its reviewers, lead, duplicate, pending sign-off and the states it may move to; its sources with their roles and the cases citing them; evidence, history, links and verdict proposals).",
  "- `case-list`: `$V case list --limit 50` (a table) vs `psql -X -q -P pager=off -f list.sql` printing the same rows as psql's own aligned table, list.sql being the statements the command sent after its session set-up and migration check (from the server log, as for the report).",
  "- Short commands (`case-show`, `case-list`, `case-move`): Verity, psql and the C floor (`bench/floor.c`, compiled with `cc` and libpq: it connects with the same URL, sends the same SQL file as one simple-query message and prints every row), their runs alternating (after a warm-up round, `BENCH_SHORT_ROUNDS` hyperfine calls of `BENCH_SHORT_RUNS`/rounds runs of each: by default one, so verity, psql, floor, verity, ...) so that what else the shared machine does falls on all three alike; the times are medians (`mean_s` has the means), `floor_s` is the C program's, `floor_ratio` Verity's over it; the ratio to psql is the target. The same C program also sends the statements Verity itself sent for the command (its session set-up and migration check included, taken from the server log; for the move, its UPDATE finds the case by state instead of the version it read): `own_floor_s`, and `own_floor_reference_ratio` is that over psql's, the floor of what Verity asks of the server, whatever the client. `case-show-memory`: peak RSS (`/usr/bin/time -v`, the most of 3 runs) of each.",
  "- `batch-case-show`, `batch-case-move`: `$V batch --file F` with BENCH_BATCH_LINES lines of `case show ID --format json` (or of moves there and back) against a batch of one line (two moves); the cost of one more line, next to one psql process doing the work.",
  "- `case-move`: `hyperfine -N --prepare '<dispute the case again with psql>' '$V case move ID --to evidence-pending --as editor'` vs `psql -X -f move.sql` (BEGIN; set verity.actor; SELECT ... FOR UPDATE; UPDATE ... RETURNING; COMMIT). The prepare step is not timed.",
  "- `concurrent-moves`: STREAMS `$V batch` processes, each reading from a pipe an endless alternation of `case move ID --to disputed --reason ...` and `case move ID --to evidence-pending` of its own case, stopped after the given seconds; transitions counted from the history rows committed in that time; vs `pgbench -n -c STREAMS -j 2 -T SECONDS -f` a script doing the same UPDATE (one transition per transaction, one case per client).",
  "- `concurrent-moves-processes`: the same streams as shell loops running one `$V case move` process per transition (no target: it shows what a process per command costs).",
  "- References run the real client programs from `pg_config --bindir` (`" + psql + "`): on Debian `/usr/bin/psql` is pg_wrapper, a Perl script that adds about 25 ms to every start.",
  "- `memory`: maximum resident set size from `/usr/bin/time -v` of the import and of one report run."]
import os
analysis = os.path.join(E["HERE"], "bench", "analysis.md")
if not smoke and os.path.exists(analysis):
    lines += [""] + open(analysis).read().rstrip("\n").split("\n")
open(sys.argv[3], "w").write("\n".join(lines) + "\n")
EOF
say "done in ${elapsed}s: $results, $report_md"
cat "$results"
