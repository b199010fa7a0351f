#!/bin/sh
# scripts/valgrind-migration.sh [VARIANT]: run tests/valgrind/migration-
# memcheck.py against a build (patched by default): the source QEMU of a
# cancelled and then a completed live migration runs under valgrind's
# memcheck; any invalid access, uninitialised use or definite leak in
# the code the series touches fails the run.  Slow (some minutes).

. "$(dirname "$0")/lib.sh"

variant=${1:-patched}
src=$BUILD/src/$variant
obj=$BUILD/obj/$variant
[ -x "$(qemu_system "$obj")" ] ||
    die "$obj is not built: run make"
command -v valgrind > /dev/null ||
    die "valgrind is missing: sh scripts/deps.sh valgrind"

out=$BUILD/valgrind/$variant
rm -rf "$out"
mkdir -p "$out"
log "$variant: a migration with its source under valgrind (log in $out/valgrind.log)"
cd "$out"
TEST_DIR=$out IMGFMT=raw IMGPROTO=file \
QEMU=$(qemu_system "$obj") \
QEMU_IMG=$obj/qemu-img QEMU_IO=$obj/qemu-io \
PYTHONPATH=$src/tests/qemu-iotests${PYTHONPATH:+:$PYTHONPATH} \
    python3 "$TOP/tests/valgrind/migration-memcheck.py" "$out/valgrind.log"
