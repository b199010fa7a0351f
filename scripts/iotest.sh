#!/bin/sh
# scripts/iotest.sh VARIANT [OPTION...] [CASE...]: QEMU's qemu-iotests
# runner (tests/qemu-iotests/check) of a tree against the programs of its
# build, the one way the project runs qemu-iotests (check.sh, bisect.sh,
# check-chaos.sh, and by hand):
#
#   sh scripts/iotest.sh patched 045            # one migration case
#   sh scripts/iotest.sh baseline -g migration  # a group
#   sh scripts/iotest.sh patched -raw 001 002   # another format
#
# VARIANT is patched, baseline, bisect (build/src/VARIANT, build/obj/VARIANT)
# or asan (the patched tree, build/obj/asan); SRC= and OBJ= give another
# tree and build folder.  The runner gets QEMU_PROG, QEMU_IMG_PROG and
# QEMU_IO_PROG, runs in the tree's tests/qemu-iotests, with -T (times)
# and -nocache, and -qcow2 unless an image format is among the options.
# Its status is the runner's; the cases' output files (NNN.out.bad,
# NNN.notrun) stay in that folder.

. "$(dirname "$0")/lib.sh"

variant=${1:?usage: iotest.sh patched|baseline|bisect|asan [OPTION...] [CASE...]}
shift
case $variant in
patched|baseline|bisect) tree=$variant ;;
asan) tree=patched ;;
*) die "iotest.sh: unknown variant '$variant' (patched, baseline, bisect or asan)" ;;
esac
src=${SRC:-$BUILD/src/$tree}
obj=${OBJ:-$BUILD/obj/$variant}
qemu=$(qemu_system "$obj")
[ -x "$qemu" ] || die "$qemu is not built (make, or scripts/build.sh $variant)"
[ -x "$src/tests/qemu-iotests/check" ] || die "no qemu-iotests in $src"

format=-qcow2
for a in "$@"; do
    case $a in
    -raw|-cow|-qcow|-qcow2|-qed|-vdi|-vpc|-vmdk|-rbd|-sheepdog|-nbd) format= ;;
    esac
done

cd "$src/tests/qemu-iotests"
export QEMU_PROG="$qemu" QEMU_IMG_PROG="$obj/qemu-img" QEMU_IO_PROG="$obj/qemu-io"
exec ./check -T -nocache $format "$@"
