#!/bin/sh
# scripts/fuzz.sh: make fuzz.  Feeds the destination of the ASan+UBSan
# build (build/obj/asan) mutated migration streams for FUZZ_S seconds
# (default 180) from base seed SEED (default from the time); see
# scripts/fuzz.py.  Findings go to build/fuzz/findings/, each with the
# command that replays it; the run fails if there is any.

. "$(dirname "$0")/lib.sh"

obj=$BUILD/obj/asan
[ -x "$(qemu_system "$obj")" ] || die "build first: scripts/build.sh asan"
rm -rf "$BUILD/fuzz/findings"
# fuzz.py bounds every input and its workers; this only catches a stuck
# interpreter (seeds' capture, FUZZ_S seconds, the findings' minimising).
limit=$((${FUZZ_S:-180} + 7200))
timeout -k 30 "$limit" python3 "$TOP/scripts/fuzz.py" "$obj" \
    "$BUILD/src/patched" "$BUILD/fuzz" "${FUZZ_S:-180}" "${SEED:-}"
