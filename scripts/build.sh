#!/bin/sh
# scripts/build.sh VARIANT: prepare build/src/VARIANT (see prepare-tree.sh),
# configure it into build/obj/VARIANT once (again only when the flags
# change) and build qemu-system-x86_64, qemu-img and qemu-io.  A run with
# nothing changed does no work.

. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build.sh patched|baseline|asan}
# "asan" is the patched tree built again with the sanitizers of
# QEMU_ASAN_CFLAGS (make check-asan): a build folder of its own, no tree.
tree=$variant cflags=
if [ "$variant" = asan ]; then
    # shellcheck disable=SC2086 # joined on one line
    tree=patched cflags=$(echo $QEMU_ASAN_CFLAGS)
fi
# SRC= and OBJ= build another copy of the tree (one with a fix that is not
# in patches/ yet) into another folder; such a copy is not prepared here.
src=${SRC:-$BUILD/src/$tree}
obj=${OBJ:-$BUILD/obj/$variant}

[ -n "${SRC:-}" ] || sh "$TOP/scripts/prepare-tree.sh" "$tree"

for w in $QEMU_WARNINGS_NOT_ERRORS; do
    cflags="$cflags -Wno-error=$w"
done
# shellcheck disable=SC2086 # the flags are a word list on purpose
set -- $QEMU_CONFIGURE_FLAGS --extra-cflags="${cflags# }"
flags="$*"

mkdir -p "$obj"
if [ ! -f "$obj/config-host.mak" ] ||
   [ "$(cat "$obj/.project-configure" 2>/dev/null)" != "$flags" ]; then
    log "$variant: configuring (log in $obj/configure.log)"
    rm -f "$obj/.project-configure"
    if ! (cd "$obj" && "$src/configure" "$@") > "$obj/configure.log" 2>&1; then
        tail -n 20 "$obj/configure.log" >&2
        die "$variant: configure failed; see $obj/configure.log"
    fi
    printf '%s\n' "$flags" > "$obj/.project-configure"
fi

jobs=$(nproc 2>/dev/null || echo 2)
log "$variant: building with $jobs jobs (log in $obj/build.log)"
if ! make -C "$obj" -j"$jobs" > "$obj/build.log" 2>&1; then
    grep -E 'error|Error' "$obj/build.log" | tail -n 20 >&2
    die "$variant: build failed; see $obj/build.log"
fi
# The migration test guest, once the series has added it (a file, not
# the folder: quilt leaves the folder behind when it pops the patch).
if [ -f "$src/tests/migration/migtest-guest.c" ]; then
    make -C "$obj" check-migration-deps >> "$obj/build.log" 2>&1 ||
        die "$variant: building the migration test guest failed; see $obj/build.log"
fi
for f in "$QEMU_SYSTEM_REL" qemu-img qemu-io; do
    [ -x "$obj/$f" ] || die "$variant: $f was not built"
done
log "$variant: built in $obj"
