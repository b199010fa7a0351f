# The QEMU migration-thread series as a quilt stack against QEMU v1.3.0.
# Each target calls one script under scripts/; `make help` lists them.
#
#   make                 fetch upstream, apply patches/, build (build/)
#   make check           every test; closes with "N passed, N failed"
#   make QEMU_GIT=/path  take upstream from a local git mirror (once)

include upstream.conf

SH := sh
# Passed to the scripts through the environment when set.
export QEMU_GIT BUILD

.PHONY: all build baseline deps fetch check check-baseline check-patches \
	bisect series series-check send clean distclean help \
	bench bench-quick bench-deps check-valgrind check-asan check-chaos fuzz

all: build

help:
	@echo "Targets (make TARGET):"
	@echo "  make, make all     = make build"
	@echo "  make build         build the patched QEMU $(QEMU_VERSION) (build/obj/patched)"
	@echo "  make baseline      build $(QEMU_VERSION) with the host layer and the series'"
	@echo "                     test patches only (build/obj/baseline)"
	@echo "  make deps          check (as root: install) the build dependencies"
	@echo "  make fetch         fill the upstream cache (QEMU_GIT=/path/to/mirror)"
	@echo "  make check         hygiene, docs, git am, QEMU's make check, qemu-iotests,"
	@echo "                     the migration cases, bench_quick"
	@echo "  make check-baseline the same tests against the baseline build"
	@echo "  make check-patches patch hygiene, docs and 'git am' of the series only"
	@echo "  make bisect        build each patch of the series in turn (-Werror) and"
	@echo "                     run the fast migration cases at each (at the top of"
	@echo "                     each series the tree's make check: QEMU's, the"
	@echo "                     qemu-iotests quick group, the migration group)"
	@echo "  make series        format each series for the list (patches/NAME/ ->"
	@echo "                     build/series/NAME-vN/, in the order they apply)"
	@echo "  make series-check  make series, then checkpatch and git am of each"
	@echo "                     build/series/NAME-vN/, then make bisect"
	@echo "  make send          print the git send-email command of each series and"
	@echo "                     dry-run it"
	@echo "  make check-valgrind a migration's source under valgrind memcheck"
	@echo "  make check-asan    the migration cases against an ASan+UBSan build"
	@echo "                     (build/obj/asan)"
	@echo "  make check-chaos   the chaos case 057 alone, N iterations"
	@echo "  make fuzz          mutated migration streams against the ASan+UBSan"
	@echo "                     build (build/fuzz/)"
	@echo "  make bench         migration benchmarks, baseline vs patched (build/bench/)"
	@echo "  make bench-quick   a one-minute smoke run of them (also: make bench QUICK=1)"
	@echo "  make bench-deps    check (as root: install) what make bench needs (gnuplot)"
	@echo "  make clean         remove build/ (the upstream cache is kept)"
	@echo "  make distclean     = make clean"
	@echo "  make help          this text"
	@echo "Variables the scripts read (make VAR=value TARGET, or the environment):"
	@echo "  QEMU_GIT=DIR       a git mirror of QEMU to take upstream from (once; cached)"
	@echo "  QEMU_CACHE_DIR=DIR the upstream cache (default"
	@echo "                     XDG_CACHE_HOME/qemu-migration-thread)"
	@echo "  XDG_CACHE_HOME=DIR base of the default cache (default ~/.cache)"
	@echo "  BUILD=DIR          the build folder (default build/)"
	@echo "  SRC=DIR OBJ=DIR    build.sh, check.sh (check-asan): another tree and"
	@echo "                     build folder"
	@echo "  IOTESTS_GROUPS=G   check: qemu-iotests groups (default quick)"
	@echo "  IOTESTS_FORMATS=F  check: image formats (default 'raw qcow2')"
	@echo "  IOTESTS_TIMEOUT=S  check: bound of one run of the iotests runner (2400)"
	@echo "  MIGRATION_TESTS=no check: leave out the migration cases and bench_quick"
	@echo "  FROM=N TO=N        bisect: start at patch N, stop after patch N"
	@echo "  FRESH=1            bisect: redo the steps that passed before"
	@echo "  N=ITERATIONS       check-chaos: iterations (default 1000)"
	@echo "  SEED=S             check-chaos, fuzz: the base seed (default from the time)"
	@echo "  FUZZ_S=SECONDS     fuzz: how long (default 180)"
	@echo "  FUZZ_INPUTS=N      fuzz: stop after N inputs"
	@echo "  FUZZ_SEEDS=a,b     fuzz: only these seed streams (idle,dirty,xbzrle,blk)"
	@echo "  FUZZ_FORKSERVER=0  fuzz: one destination process per input"
	@echo "  QUICK=1            bench: the smoke run (make bench-quick)"
	@echo "  BENCH_OUT=DIR      bench: where results go (default build/bench)"
	@echo "  BENCH_VARIANTS=... bench: the builds compared (default 'baseline patched')"
	@echo "  BENCH_ONLY=a,b     bench: only these scenarios"
	@echo "  BENCH_IDLE_RAM=MB  bench: -m of the idle guest of scenario 1 (4096)"
	@echo "  SEND=yes           send: really send (default: dry run)"
	@echo "  SERIES=NAME        send: that series only (default: each in turn)"
	@echo "  MIGTEST_ACCEL=kvm|tcg  the migration cases, bench, fuzz: force the accelerator"
	@echo "  MIGTEST_TEST_TIMEOUT=S the migration cases: watchdog of each test method (600)"
	@echo "  MIGTEST_CHAOS_SEED=S MIGTEST_CHAOS_N=N  case 057: replay one seed, iterations"
	@echo "  MIGTEST_CHAOS_BLK=0 MIGTEST_CHAOS_REUSE=0 MIGTEST_CHAOS_ITER_TIMEOUT=S"
	@echo "                     case 057: no block migration, a fresh source per"
	@echo "                     iteration, the bound of an iteration (180)"
	@echo "  Internal (set by one script for another): BISECT_UPTO (bisect.sh to"
	@echo "  build.sh), MIGTEST_FIGURES (check.sh to the cases), MIGTEST_DIR"
	@echo "  (fuzz.py to migtest.py), QEMU (bench.py to migtest.py)"

deps:
	@$(SH) scripts/deps.sh

fetch:
	@$(SH) scripts/fetch-upstream.sh

build: deps
	@$(SH) scripts/build.sh patched

baseline: deps
	@$(SH) scripts/build.sh baseline

check: build
	@$(SH) scripts/check.sh patched

check-baseline: baseline
	@$(SH) scripts/check.sh baseline

check-patches:
	@$(SH) scripts/check.sh series-only

bisect: deps
	@$(SH) scripts/bisect.sh

# The source of a migration under valgrind (README, "Tests").
check-valgrind: build
	@$(SH) scripts/deps.sh valgrind
	@$(SH) scripts/valgrind-migration.sh

# The migration cases against the patched tree built with ASan and UBSan
# (build/obj/asan), then every report they gave (README, "Tests").
check-asan: deps
	@$(SH) scripts/build.sh asan
	@$(SH) scripts/check.sh asan

# Mutated incoming streams against the ASan+UBSan build (README, "Fuzzing").
fuzz: deps
	@$(SH) scripts/build.sh asan
	@FUZZ_S=$(FUZZ_S) SEED=$(SEED) $(SH) scripts/fuzz.sh

# The chaos case alone, long (make check runs 30 iterations of it).
check-chaos: build
	@N=$(N) SEED=$(SEED) $(SH) scripts/check-chaos.sh

series:
	@$(SH) scripts/series.sh

series-check: build series
	@$(SH) scripts/series-check.sh

send: build
	@$(SH) scripts/deps.sh send
	@$(SH) scripts/send.sh

# Both builds, then each scenario on both in turn (README, "Benchmarks").
bench: build baseline bench-deps
	@QUICK=$(QUICK) $(SH) scripts/bench.sh

bench-quick: build baseline bench-deps
	@QUICK=1 $(SH) scripts/bench.sh

bench-deps:
	@$(SH) scripts/deps.sh bench

clean:
	rm -rf build

distclean: clean
