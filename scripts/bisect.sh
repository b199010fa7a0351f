#!/bin/sh
# scripts/bisect.sh: check that the series is bisectable.  Pushes the
# series one patch at a time onto the host layer in build/src/bisect,
# rebuilds incrementally with -Werror after each, and runs the fast
# migration cases (qemu-iotests group "migration-fast") once the series
# has added them; at the last patch of each series (the top that the
# next series applies on) the tree's whole make check instead (check.sh
# bisect: QEMU's unit tests and qtests, qemu-iotests quick on raw and
# qcow2, the "migration" group), so that every series is shown to work
# without the ones after it.  Stops at, and names, the first patch that
# breaks.
# FROM=N starts at the Nth patch (the ones before are pushed unchecked);
# TO=N stops after the Nth (a reshaped part of the series, checked alone).
# A step whose inputs (the build settings and every patch up to it,
# names and contents) already passed is not run again: it is reported
# as passed before, with the date of that run.  The record is kept with
# the upstream cache (it does not depend on the clone or the build
# folder, only on what is built on this machine).  FRESH=1 runs every step.

. "$(dirname "$0")/lib.sh"

total=$(series_patches series | wc -l)
[ "$total" -gt 0 ] || die "the series is empty"
from=${FROM:-1}
to=${TO:-$total}
[ "$to" -le "$total" ] || die "TO=$to is past the last patch ($total)"
src=$BUILD/src/bisect
logs=$BUILD/logs/bisect
mkdir -p "$logs"

done_dir=$CACHE_DIR/bisect-passed
mkdir -p "$done_dir"

# series_top K: true if patch K is the last of its series.
series_top() {
    _this=$(series_patches series | sed -n "${1}p")
    _next=$(series_patches series | sed -n "$(($1 + 1))p")
    [ "${_this%%/*}" != "${_next%%/*}" ]
}

# step_key K: a checksum of what step K builds and tests.
step_key() {
    {
        cat "$TOP/scripts/build.conf"
        if series_top "$1"; then
            echo "top of a series: check.sh bisect"
            cat "$TOP/scripts/check.sh" "$TOP/tests/known-failures"
        fi
        for q in $(BISECT_UPTO=$1 variant_patches bisect); do
            echo "$q"
            cat "$PATCHES/$q"
        done
    } | sha256sum | cut -d' ' -f1
}

passed=0
k=$from
while [ "$k" -le "$to" ]; do
    p=$(series_patches series | sed -n "${k}p")
    t0=$(now)
    key=$(step_key "$k")
    if [ -z "${FRESH:-}" ] && [ -f "$done_dir/$key" ]; then
        echo "PASS [$k/$total] $p: passed before with the same patches and settings ($(cat "$done_dir/$key"))"
        passed=$((passed + 1))
        k=$((k + 1))
        continue
    fi
    if ! BISECT_UPTO=$k sh "$TOP/scripts/build.sh" bisect > "$logs/build-$k.log" 2>&1; then
        tail -n 15 "$logs/build-$k.log"
        echo "FAIL [$k/$total] $p: does not build (see $logs/build-$k.log)"
        echo "$passed passed, 1 failed"
        exit 1
    fi
    what="builds"
    if series_top "$k"; then
        if ! sh "$TOP/scripts/check.sh" bisect > "$logs/check-$k.log" 2>&1; then
            sed -n '/^== summary/,$p' "$logs/check-$k.log"
            grep '^FAIL' "$logs/check-$k.log" | head -n 20
            echo "FAIL [$k/$total] $p: make check of the top of ${p%%/*} fails (see $logs/check-$k.log)"
            echo "$passed passed, 1 failed"
            exit 1
        fi
        what="builds, top of ${p%%/*}, make check: $(grep -E '^[0-9]+ passed, ' "$logs/check-$k.log" | tail -n 1)"
    elif grep -q " migration-fast" "$src/tests/qemu-iotests/group" 2> /dev/null; then
        group=migration-fast cases="fast cases"
        if ! sh "$TOP/scripts/iotest.sh" bisect -qcow2 -g "$group" \
              > "$logs/test-$k.log" 2>&1; then
            grep -E '^(Failures|Failed|Not run)' "$logs/test-$k.log"
            echo "FAIL [$k/$total] $p: $cases fail (see $logs/test-$k.log)"
            echo "$passed passed, 1 failed"
            exit 1
        fi
        what="builds, $(sed -n 's/^Passed all \([0-9]*\) tests/\1/p' "$logs/test-$k.log") $cases pass"
    fi
    echo "PASS [$k/$total] $p: $what ($(($(now) - t0))s)"
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'): $what" > "$done_dir/$key"
    passed=$((passed + 1))
    k=$((k + 1))
done
echo "$passed passed, 0 failed"
