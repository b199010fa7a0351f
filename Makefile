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

.PHONY: all build pristine deps fetch check check-pristine check-series \
	bisect series series-check send clean distclean help \
	bench bench-quick bench-deps check-valgrind check-asan check-chaos fuzz

all: build

help:
	@echo "make                build the patched QEMU $(QEMU_VERSION) (build/obj/patched)"
	@echo "make check          series checks, QEMU's make check, qemu-iotests"
	@echo "make pristine       build $(QEMU_VERSION) with the host layer only (build/obj/pristine)"
	@echo "make check-pristine the same tests against the pristine build"
	@echo "make check-series   patch hygiene and 'git am' of the series only"
	@echo "make bisect         build each patch of the series in turn (-Werror) and"
	@echo "                    run the fast migration cases at each (FROM=N to resume)"
	@echo "make series         format the series for the list (build/series-vN/)"
	@echo "make series-check   checkpatch, git am and bisect of build/series-vN/"
	@echo "make send           print the git send-email command and dry-run it"
	@echo "make check-valgrind a migration's source under valgrind memcheck"
	@echo "make check-chaos    the chaos case 057, N=1000 iterations (SEED= base seed)"
	@echo "make check-asan     the migration cases against an ASan+UBSan build (build/obj/asan)"
	@echo "make fuzz           mutated migration streams against the ASan+UBSan build"
	@echo "                    (FUZZ_S= seconds, default 180; SEED=; build/fuzz/)"
	@echo "make bench          migration benchmarks, pristine vs patched (build/bench/)"
	@echo "make bench-quick    a one-minute smoke run of them (also: make bench QUICK=1)"
	@echo "make fetch          fill the upstream cache (QEMU_GIT=/path/to/mirror)"
	@echo "make clean          remove build/ (the upstream cache is kept)"
	@echo "Variables the scripts read (make VAR=value target, or the environment):"
	@echo "  QEMU_GIT=<git mirror>  take upstream from it (once; it is cached)"
	@echo "  QEMU_CACHE_DIR=<dir>   the upstream cache (default ~/.cache/...)"
	@echo "  BUILD=<dir>            the build folder (default build/)"
	@echo "  SRC= OBJ=              build.sh, check.sh: another tree and build"
	@echo "  MIGTEST_ACCEL=kvm|tcg  force the accelerator of the test guests"
	@echo "  IOTESTS_GROUPS= IOTESTS_FORMATS= IOTESTS_TIMEOUT=  check.sh's iotests"
	@echo "  MIGRATION_TESTS=no     check.sh without the migration cases"
	@echo "  FROM=N TO=N FRESH=1    bisect: start at patch N, stop after patch N;"
	@echo "                         redo steps that passed before"
	@echo "  N= SEED=               check-chaos: iterations, base seed"
	@echo "  FUZZ_S= SEED= FUZZ_INPUTS= FUZZ_SEEDS= FUZZ_FORKSERVER=0  fuzz"
	@echo "  QUICK=1 BENCH_OUT= BENCH_VARIANTS= BENCH_ONLY= BENCH_IDLE_RAM=  bench"
	@echo "  SEND=yes               send: really send (default: dry run)"

deps:
	@$(SH) scripts/deps.sh

fetch:
	@$(SH) scripts/fetch-upstream.sh

build: deps
	@$(SH) scripts/build.sh patched

pristine: deps
	@$(SH) scripts/build.sh pristine

check: build
	@$(SH) scripts/check.sh patched

check-pristine: pristine
	@$(SH) scripts/check.sh pristine

check-series:
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

series-check: build
	@$(SH) scripts/series-check.sh

send: build
	@$(SH) scripts/send.sh

# Both builds, then each scenario on both in turn (README, "Benchmarks").
bench: build pristine bench-deps
	@QUICK=$(QUICK) $(SH) scripts/bench.sh

bench-quick: build pristine bench-deps
	@QUICK=1 $(SH) scripts/bench.sh

bench-deps:
	@$(SH) scripts/deps.sh bench

clean:
	rm -rf build

distclean: clean
