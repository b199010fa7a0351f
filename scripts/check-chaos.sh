#!/bin/sh
# scripts/check-chaos.sh: the long chaos run of the migration series
# (qemu-iotests case 057, group "migration-chaos") against build/obj/patched.
# Reads N (iterations, default 1000) and SEED (base seed, default from the
# time); writes build/logs/chaos/ (the runner's log and one line per
# iteration) and prints the iterations' summary and "N passed, N failed".
# `make check` runs the same case with 30 iterations.

. "$(dirname "$0")/lib.sh"

iterations=${N:-1000}
logs=$BUILD/logs/chaos
rm -rf "$logs"
mkdir -p "$logs"
[ -x "$(qemu_system "$BUILD/obj/patched")" ] || die "build first: make"
# A run that was killed leaves its FIFOs and images behind, named by
# seed: a later run over the same seeds must not trip over them.
rm -f "$BUILD/src/patched/tests/qemu-iotests/scratch/migtest-057-"*

# An iteration takes 2-10 s; bound the whole run all the same.
limit=$((iterations * 30 + 300))
log "chaos: $iterations iterations${SEED:+ from seed $SEED}, at most ${limit}s"
start=$(now)
rc=0
MIGTEST_FIGURES=$logs/iterations.log MIGTEST_CHAOS_N=$iterations \
MIGTEST_CHAOS_SEED=${SEED:-} MIGTEST_TEST_TIMEOUT=$limit \
    timeout -k 30 "$limit" sh "$TOP/scripts/iotest.sh" patched -qcow2 \
    -g migration-chaos > "$logs/chaos.log" 2>&1 || rc=$?

grep -e 'base seed' -e 'iterations in' -e 'invariant' \
    "$logs/iterations.log" 2> /dev/null || true
secs=$(($(now) - start))
if [ $rc -eq 0 ] && grep -q '^Passed all 1 tests' "$logs/chaos.log"; then
    echo "PASS chaos $iterations iterations in ${secs}s"
    echo "1 passed, 0 failed"
else
    echo "FAIL chaos after ${secs}s (runner status $rc), see $logs/chaos.log"
    echo "0 passed, 1 failed"
    exit 1
fi
