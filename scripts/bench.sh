#!/bin/sh
# scripts/bench.sh: the migration benchmarks (make bench), baseline v1.3.0
# against the series, each scenario on both builds in turn (scripts/bench.py
# does the work; README, "Benchmarks", says what is measured).
#   QUICK=1         a smoke run of about a minute: 1 round, small sizes;
#                   exits non-zero if a scenario errors or gives no sample
#   BENCH_OUT=DIR   where results go (default build/bench)
#   BENCH_VARIANTS  the builds to compare (default "baseline patched")
#   BENCH_ONLY      a comma-separated list of scenarios (default all)
#   BENCH_IDLE_RAM  -m of the idle guest of scenario 1 (default 4096)
# Writes report.md, results.json and PNG plots; progress goes to stderr.

. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$BUILD/bench}
variants=${BENCH_VARIANTS:-baseline patched}
for v in $variants; do
    [ -x "$(qemu_system "$BUILD/obj/$v")" ] ||
        die "bench: build/obj/$v is not built (make build baseline)"
done
command -v gnuplot > /dev/null ||
    warn "bench: gnuplot is missing, no plots (sh scripts/deps.sh bench)"

mkdir -p "$out/tmp"
rm -f "$out"/tmp/migtest-* "$out"/report.md "$out"/*.png
set -- --out "$out" --variants "$(echo $variants | tr ' ' ',')"
case ${QUICK:-0} in
0|no|'') mode="full run" ;;
*) mode="QUICK run"; set -- "$@" --quick ;;
esac
[ -z "${BENCH_ONLY:-}" ] || set -- "$@" --only "$BENCH_ONLY"

log "bench: $mode of $variants, results in $out"
start=$(now)
rc=0
python3 "$TOP/scripts/bench.py" "$@" || rc=$?
log "bench: $mode finished in $(($(now) - start))s (exit $rc); see $out/report.md"
exit $rc
