#!/bin/sh
# scripts/check.sh VARIANT: run the project's tests against build/obj/VARIANT
# ("patched" or "baseline"), or only the series checks ("series-only").
# Stages: patch hygiene, documentation (make help and README list every
# target and variable), `git am` of the series, QEMU's own make check
# (unit and qtest), qemu-iotests (raw and qcow2, quick group), and the
# migration cases (qemu-iotests group "migration"), then, for "patched",
# a QUICK run of the benchmarks (scripts/bench.sh).  Prints a
# line per case, each stage's counts and time, and a closing
# "N passed, N failed" line; exits non-zero if anything failed.
# Known failures (tests/known-failures) are reported as such, never hidden.
# Logs go to build/logs/VARIANT/.
# "asan" (make check-asan) runs the migration cases against the patched
# tree built with AddressSanitizer and UBSan (build.sh asan), every QEMU
# process writing its reports to build/logs/asan/sanitizer/, then reads
# them (stage asan_reports).  SRC= and OBJ= test another copy of a tree
# and its build, as build.sh builds them.
# "bisect" (bisect.sh, at the last patch of each series) runs the stages
# that test the tree, QEMU's make check, qemu-iotests and the migration
# cases, against build/obj/bisect; its logs go to build/logs/bisect/check/.

. "$(dirname "$0")/lib.sh"

variant=${1:-patched}
case $variant in
series-only) tree=$variant obj= ;;
patched|baseline|bisect) tree=$variant obj=$BUILD/obj/$variant ;;
asan) tree=patched obj=$BUILD/obj/asan ;;
*) die "usage: check.sh patched|baseline|bisect|asan|series-only" ;;
esac
src=${SRC:-$BUILD/src/$tree}
obj=${OBJ:-$obj}
logs=$BUILD/logs/$variant
# Beside bisect.sh's own logs, which it must not remove
[ "$variant" != bisect ] || logs=$BUILD/logs/bisect/check
rm -rf "$logs"
mkdir -p "$logs"
KNOWN_FILE=$TOP/tests/known-failures
IOTESTS_GROUPS=${IOTESTS_GROUPS:-quick}
IOTESTS_FORMATS=${IOTESTS_FORMATS:-raw qcow2}
# No run of the qemu-iotests runner may take longer (a hung case is a failure).
IOTESTS_TIMEOUT=${IOTESTS_TIMEOUT:-2400}

PASSED=0 FAILED=0 SKIPPED=0 KNOWN=0

known_reason() { # SUITE TEST
    awk -v v="$variant" -v s="$1" -v t="$2" '
        /^#/ { next }
        ($1 == "any" || $1 == v) && $2 == s && $3 == t {
            $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print; exit
        }
    ' "$KNOWN_FILE"
}

# tally SUITE FILE: count the "STATUS NAME [DETAIL]" lines of FILE
# (STATUS is PASS, FAIL or SKIP) and print one line per case.
tally() {
    while read -r st name detail; do
        why=$(known_reason "$1" "$name")
        if [ -n "$why" ]; then
            case $st in
            FAIL) st=KNOWN-FAIL detail="known failure: $why" ;;
            PASS) st=FAIL detail="passes, but is listed in tests/known-failures" ;;
            esac
        fi
        case $st in
        PASS) PASSED=$((PASSED + 1)) ;;
        FAIL) FAILED=$((FAILED + 1)) ;;
        SKIP) SKIPPED=$((SKIPPED + 1)) ;;
        KNOWN-FAIL) KNOWN=$((KNOWN + 1)) ;;
        *) continue ;;
        esac
        printf '%-10s %-14s %s%s\n' "$st" "$1" "$name" "${detail:+  ($detail)}"
        # An unexpected failure shows why right here (the CI log is
        # often all there is).
        if [ "$st" = FAIL ] && [ -s "$logs/$1-$name.diff" ]; then
            head -n 40 "$logs/$1-$name.diff" | sed 's/^/    | /'
        fi
    done < "$2"
}

SUMMARY=$logs/summary
: > "$SUMMARY"
# stage NAME: run stage_NAME (which writes $logs/NAME.results), time it,
# tally it.
stage() {
    log "$variant: $1"
    p0=$PASSED f0=$FAILED s0=$SKIPPED k0=$KNOWN t0=$(now)
    : > "$logs/$1.results"
    "stage_$1" "$logs/$1.results"
    tally "$1" "$logs/$1.results"
    printf '%-16s %4d passed, %d failed, %d skipped, %d known failures (%ds)\n' \
        "$1:" $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0)) \
        $((KNOWN - k0)) $(($(now) - t0)) | tee -a "$SUMMARY"
}

stage_hygiene() {
    sh "$TOP/scripts/check-patches.sh" > "$1" 2> "$logs/hygiene.log" || true
}

# Every Makefile target and every variable a script reads is in `make help`
# and README's "Targets and variables" (scripts/check-docs.py).
stage_docs() {
    python3 "$TOP/scripts/check-docs.py" > "$1" 2> "$logs/docs.log" || true
    [ -s "$1" ] || echo "FAIL check-docs.py gave no result, see $logs/docs.log" > "$1"
}

stage_git_am() {
    sh "$TOP/scripts/check-git-am.sh" > "$logs/git-am.log" 2>&1 || true
    sed -n 's/^\(PASS\|FAIL\) git am /\1 /p' "$logs/git-am.log" > "$1"
    grep -q '^FAIL' "$1" && sed -n 's/^    /FAIL-DETAIL /p' "$logs/git-am.log" |
        head -n 5 >&2
    if [ ! -s "$1" ]; then
        why=$(grep -m 1 '^error: ' "$logs/git-am.log" | sed 's/^error: //')
        echo "FAIL setup ${why:+$why, }see $logs/git-am.log" > "$1"
    fi
}

# QEMU's own `make check`: unit tests and qtests, one result per gtester
# program (gtester prints PASS:/FAIL: per program with V=1).
stage_qemu_check() {
    [ -x "$(qemu_system "$obj")" ] ||
        { echo "FAIL build $obj is not built: run make" > "$1"; return; }
    rc=0
    make -C "$obj" -k check V=1 > "$logs/qemu-check.log" 2>&1 || rc=$?
    sed -n 's/^\(PASS\|FAIL\): tests\//\1 /p' "$logs/qemu-check.log" > "$1"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$1"; then
        echo "FAIL make-check exited with $rc, see $logs/qemu-check.log" >> "$1"
    fi
}

# qemu-iotests with QEMU's own `check` runner (scripts/iotest.sh).
# run_iotests NAME FORMAT GROUPS RESULTS: one result line per test, with
# its run time (from the runner's [start] [end] stamps).
run_iotests() {
    name=$1 fmt=$2 groups=$3 out=$4
    log "$variant: qemu-iotests -$fmt -g $groups"
    dir=$src/tests/qemu-iotests
    rm -f "$logs/$name-figures.log" "$logs/$name"-*.diff
    (rc=0
     MIGTEST_FIGURES=$logs/$name-figures.log SRC=$src OBJ=$obj \
        timeout -k 30 "$IOTESTS_TIMEOUT" \
        sh "$TOP/scripts/iotest.sh" "$variant" "-$fmt" -g "$groups" || rc=$?
     [ $rc -ne 124 ] && [ $rc -ne 137 ] ||
        echo "RUNNER TIMEOUT after ${IOTESTS_TIMEOUT}s (IOTESTS_TIMEOUT)") \
        > "$logs/$name.log" 2>&1 || true
    # The runner prints "NNN [time] [hh:mm:ss] [hh:mm:ss] [not run]..." per
    # test, then "Not run: ..." and "Failures: ..." lines.
    notrun=$(sed -n 's/^Not run: *//p' "$logs/$name.log")
    failures=$(sed -n 's/^Failures: *//p' "$logs/$name.log")
    awk '/^[0-9][0-9][0-9][ \t]/ && /\[[0-9:]+\] \[[0-9:]+\]/ {
        match($0, /\[[0-9:]+\] \[[0-9:]+\]/)
        split(substr($0, RSTART, RLENGTH), t, /[^0-9]+/)
        d = (t[5] * 3600 + t[6] * 60 + t[7]) - (t[2] * 3600 + t[3] * 60 + t[4])
        if (d < 0) d += 86400
        print $1, d
    }' "$logs/$name.log" | sort -u -k1,1 > "$logs/$name.times"
    while read -r t secs; do
        if printf ' %s ' "$notrun" | grep -q " $t "; then
            echo "SKIP $t $(cat "$dir/$t.notrun" 2>/dev/null || echo not run)"
        elif printf ' %s ' "$failures" | grep -q " $t "; then
            echo "FAIL $t ${secs}s, see $dir/$t.out.bad"
            diff -u "$dir/$t.out" "$dir/$t.out.bad" \
                > "$logs/$name-$t.diff" 2>&1 || true
        else
            echo "PASS $t ${secs}s"
        fi
    done < "$logs/$name.times" > "$out"
    if grep -q '^RUNNER TIMEOUT' "$logs/$name.log"; then
        echo "FAIL runner $(grep -m 1 '^RUNNER TIMEOUT' "$logs/$name.log"), see $logs/$name.log" >> "$out"
    fi
    [ -s "$out" ] || echo "FAIL runner no test ran: \"$(tail -n 1 "$logs/$name.log")\", see $logs/$name.log" > "$out"
}
stage_iotests_raw() { run_iotests iotests_raw raw "$IOTESTS_GROUPS" "$1"; }
stage_iotests_qcow2() { run_iotests iotests_qcow2 qcow2 "$IOTESTS_GROUPS" "$1"; }

# The migration cases (qemu-iotests group "migration", on qcow2 as some
# use a disk); their key figures are printed after them.
stage_migration() {
    if ! grep -q ' migration' "$src/tests/qemu-iotests/group"; then
        if [ "$variant" = bisect ]; then
            # The top of the stable series: the cases come with the next
            echo "SKIP group the tree has no migration cases yet" > "$1"
        else
            echo "FAIL group the tree has no migration cases" > "$1"
        fi
        return
    fi
    if [ -n "${MIGTEST_ACCEL:-}" ]; then
        log "migration cases use $MIGTEST_ACCEL (MIGTEST_ACCEL)"
    elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        log "migration cases use KVM (/dev/kvm)"
    else
        log "migration cases use TCG: /dev/kvm is missing or not usable"
    fi
    run_iotests migration qcow2 migration "$1"
    if [ -s "$logs/migration-figures.log" ]; then
        sed 's/^/    /' "$logs/migration-figures.log" >&2
    fi
}

# QUICK=1 scripts/bench.sh: that every benchmark scenario runs and gives
# samples (not its figures); against the baseline build too when it is built.
stage_bench_quick() {
    bq_variants=patched
    [ ! -x "$(qemu_system "$BUILD/obj/baseline")" ] ||
        bq_variants="baseline patched"
    bq_start=$(now)
    if QUICK=1 BENCH_OUT=$logs/bench-quick BENCH_VARIANTS=$bq_variants \
        sh "$TOP/scripts/bench.sh" > "$logs/bench-quick.log" 2>&1; then
        echo "PASS bench_quick $(($(now) - bq_start))s, $bq_variants" > "$1"
    else
        why=$(grep -m 1 -e '^==> bench: problem: ' -e '^error: ' \
            "$logs/bench-quick.log" | sed 's/^==> bench: problem: //')
        echo "FAIL bench_quick ${why:+$why, }see $logs/bench-quick.log" > "$1"
    fi
}

# The sanitizers' reports of the asan build, one file per process
# (log_path), read by scripts/asan-reports.py: a report in the code the
# series changes fails, one elsewhere only if tests/asan-known-reports
# does not list it.
stage_asan_reports() {
    # The run-times are linked in statically (scripts/build.conf): ask one.
    if ! ASAN_OPTIONS=help=1 "$(qemu_system "$obj")" \
            -version 2>&1 | grep -q '^Available flags for AddressSanitizer'; then
        echo "FAIL build $obj is not built with the sanitizers" > "$1"
        return
    fi
    series_patches series |
        python3 "$TOP/scripts/asan-reports.py" "$logs/sanitizer" \
            "$TOP/tests/asan-known-reports" "$PATCHES" "$src" "$obj" \
            "$logs/asan-reports.log" "$logs/migration.log" > "$1" ||
        echo "FAIL scan of the reports failed, see $logs/asan-reports.log" >> "$1"
}

# The sanitizer options of the asan variant.  Every report goes to a
# file of its own per process (log_path gets ".PID"), none to the stderr
# the cases compare.  Leaks are not checked: v1.3.0 frees little of what
# it allocates before exit (RAM blocks, devices, options).  ASan stops a
# process at its first report (its default); UBSan goes on
# (halt_on_error=0) and prints the stack of each report, so that all are
# seen and placed.
asan_options() {
    mkdir -p "$logs/sanitizer"
    export ASAN_OPTIONS="log_path=$logs/sanitizer/report:detect_leaks=0"
    export UBSAN_OPTIONS="log_path=$logs/sanitizer/report:halt_on_error=0:print_stacktrace=1"
}

start=$(now)
if [ "$variant" = asan ]; then
    asan_options
    stage migration
    stage asan_reports
    # What the cases used: migtest.py ends each line of figures with it.
    used=$(sed -n 's/.*\[\(kvm\|tcg\)\]$/\1/p' \
        "$logs/migration-figures.log" 2>/dev/null | sort -u | tr '\n' ' ')
    printf '%-16s %s\n' accelerator: "${used:-none reported}" >> "$SUMMARY"
elif [ "$variant" != bisect ]; then
    stage hygiene
    stage docs
    stage git_am
fi
if [ "$variant" != asan ] && [ "$variant" != series-only ]; then
    stage qemu_check
    for fmt in $IOTESTS_FORMATS; do
        stage "iotests_$fmt"
    done
    [ "${MIGRATION_TESTS:-yes}" = no ] || stage migration
    [ "$variant" != patched ] || [ "${MIGRATION_TESTS:-yes}" = no ] ||
        stage bench_quick
fi

echo
echo "== summary ($variant, $(($(now) - start))s) =="
cat "$SUMMARY"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
known_files=tests/known-failures
[ "$variant" != asan ] || known_files="$known_files, tests/asan-known-reports"
[ "$KNOWN" -eq 0 ] || echo "($KNOWN known failures, see $known_files)"
[ "$FAILED" -eq 0 ]
