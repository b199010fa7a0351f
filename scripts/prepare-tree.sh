#!/bin/sh
# scripts/prepare-tree.sh VARIANT: bring build/src/VARIANT to the state
# patches/series asks for: a clean export of the pinned commit with
# the variant's patches pushed by quilt ("patched": host layer and the
# series; "baseline": the host layer and the series' test patches).
#
# Incremental: the tree records each applied patch with a checksum of
# its file.  Only patches from the first edited, added or removed one on
# are popped and pushed again, and the files they touch are given a new
# time stamp so make rebuilds exactly what they affect.

. "$(dirname "$0")/lib.sh"

variant=${1:?usage: prepare-tree.sh patched|baseline}
src=$BUILD/src/$variant
applied=$src/.project-applied
want=$BUILD/src/$variant.want
series=$BUILD/src/$variant.series

export QUILT_PATCHES="$PATCHES"
export QUILT_SERIES="$series"
export QUILT_PC=.pc
quilt() { command quilt --quiltrc=- "$@"; }

mkdir -p "$BUILD/src"
# The new series file is installed only after popping: quilt pops by the
# series file that matches what is applied.
variant_patches "$variant" > "$series.new"
for p in $(cat "$series.new"); do
    [ -f "$PATCHES/$p" ] || die "patches/series names $p, which does not exist"
    printf '%s %s\n' "$p" "$(sha256sum < "$PATCHES/$p" | cut -d' ' -f1)"
done > "$want"
[ ! -f "$applied" ] || cut -d' ' -f1 "$applied" > "$series"

if [ ! -f "$src/.project-exported" ]; then
    sh "$TOP/scripts/fetch-upstream.sh"
    log "exporting QEMU $QEMU_VERSION into $src"
    rm -rf "$src"
    mkdir -p "$src"
    git --git-dir="$CACHE_GIT" archive --format=tar "$QEMU_COMMIT" |
        tar -x -C "$src"
    : > "$applied"
    echo "$QEMU_COMMIT" > "$src/.project-exported"
fi
[ "$(cat "$src/.project-exported")" = "$QEMU_COMMIT" ] ||
    die "$src holds another upstream commit; remove $BUILD/src and run again"

# How many applied patches are still what the series wants?
keep=0
while read -r line; do
    [ "$line" = "$(sed -n "$((keep + 1))p" "$want")" ] || break
    keep=$((keep + 1))
done < "$applied"
napplied=$(wc -l < "$applied")

cd "$src"
touch_list=$BUILD/src/$variant.touch
: > "$touch_list"
if [ "$napplied" -gt "$keep" ]; then
    for p in $(sed -n "$((keep + 1)),\$p" "$applied" | cut -d' ' -f1); do
        quilt files "$p" >> "$touch_list"
    done
    if [ "$keep" -eq 0 ]; then
        log "$variant: popping all $napplied patches"
        quilt pop -a -f -q > /dev/null
    else
        top=$(sed -n "${keep}p" "$applied" | cut -d' ' -f1)
        log "$variant: popping back to $top"
        quilt pop -f -q "$top" > /dev/null
    fi
    head -n "$keep" "$applied" > "$applied.new"
    mv "$applied.new" "$applied"
fi

mv "$series.new" "$series"
total=$(wc -l < "$want")
sed -n "$((keep + 1)),\$p" "$want" | while read -r p sum; do
    log "$variant: applying $p"
    if ! quilt push --fuzz=0 -q "$p" > "$BUILD/src/$variant.push.log" 2>&1; then
        cat "$BUILD/src/$variant.push.log" >&2
        die "$p does not apply to $variant (fuzz is not accepted); the tree stays at the patch before it"
    fi
    quilt files "$p" >> "$touch_list"
    printf '%s %s\n' "$p" "$sum" >> "$applied"
done

# Files a popped patch had changed were restored with their old time
# stamps; give every file touched on either side a new one.
sort -u "$touch_list" | while read -r f; do
    [ -e "$f" ] && touch "$f"
done
log "$variant: $total patches applied in $src"
