#!/bin/sh
# scripts/series.sh: write the series (not the host layer) as a reviewer
# gets it: build/series-vN/ with a cover letter "[PATCH vN 00/MM]" and the
# patches "[PATCH vN NN/MM]", from `git format-patch` on an unmodified v1.3.0
# with the series applied by `git am`.  The version, title and text of the
# cover letter come from patches/cover-letter; how it was tested from the
# last `make check` summary; the benchmark table from `make bench`'s JSON.

. "$(dirname "$0")/lib.sh"

cover=$PATCHES/cover-letter
version=$(series_version)
title=$(sed -n 's/^Title: *//p' "$cover")
[ -n "$title" ] || die "patches/cover-letter needs a Title: line"
out=$BUILD/series-v$version
repo=$BUILD/series-git

rm -rf "$out"
scratch_clone "$repo"
n=0
for p in $(series_patches series); do
    git -C "$repo" am -q --committer-date-is-author-date "$PATCHES/$p" ||
        die "$p does not apply with git am to $QEMU_VERSION"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || die "the series is empty"

git -C "$repo" format-patch -q -v "$version" --cover-letter --thread=shallow \
    --base="$QEMU_COMMIT" -o "$out" "$QEMU_COMMIT..HEAD"

# Fill in the cover letter's subject and blurb.
letter=$(ls "$out"/*0000-cover-letter.patch)
blurb=$out/.blurb
{
    sed -e '1,/^$/d' "$cover"
    echo
    echo "Based on QEMU $QEMU_VERSION, commit $QEMU_COMMIT;"
    echo "the patches apply with git am on it."
    echo
    echo "How it was tested"
    echo "-----------------"
    if [ -s "$BUILD/logs/patched/summary" ]; then
        echo "QEMU's make check, qemu-iotests -raw/-qcow2 (quick) and the migration"
        echo "cases, at the top of the series on x86_64 (accelerator in brackets):"
        sed 's/^/  /' "$BUILD/logs/patched/summary"
        if [ -s "$BUILD/logs/patched/migration-figures.log" ]; then
            echo
            echo "Key figures of the migration cases:"
            sed 's/^/  /' "$BUILD/logs/patched/migration-figures.log"
        fi
    else
        echo "(no test run found: run make check before make series)"
    fi
    echo
    echo "Benchmarks"
    echo "----------"
    if [ -s "$BUILD/bench/report.md" ]; then
        cat "$BUILD/bench/report.md"
    else
        echo "(not measured: run make bench before make series)"
    fi
} > "$blurb"
awk -v title="$title" -v blurb="$blurb" '
    /\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, title) }
    /\*\*\* BLURB HERE \*\*\*/ {
        while ((getline line < blurb) > 0) print line
        next
    }
    { print }
' "$letter" > "$letter.new"
mv "$letter.new" "$letter"
rm -f "$blurb"
log "series v$version: $n patches and a cover letter in $out"
