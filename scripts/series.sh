#!/bin/sh
# scripts/series.sh: write each series of the stack (every folder of
# patches/ but host/, in the order of patches/series) as a reviewer gets
# it: build/series/NAME-vN/ with a cover letter "[PATCH vN 00/MM]" and
# the patches "[PATCH vN NN/MM]", from `git format-patch` on an
# unmodified v1.3.0 with the series before it and then this one applied
# by `git am`.  The patches name their base (v1.3.0) and the patches of
# the series before them (prerequisite-patch-id), as `git am` needs.
# Version, title and text of each cover letter come from
# patches/NAME/cover-letter (a header of "Field: value" lines, a blank
# line, the text); how it was tested from the last `make check` summary;
# letters whose header says "Benchmarks: yes" get `make bench`'s report.

. "$(dirname "$0")/lib.sh"

repo=$BUILD/series-git
rm -rf "$BUILD/series"
scratch_clone "$repo"
prev=
total=0
for name in $(series_names); do
    cover=$PATCHES/$name/cover-letter
    version=$(series_version "$name")
    title=$(sed -n '1,/^$/s/^Title: *//p' "$cover")
    [ -n "$title" ] || die "$cover needs a Title: line"
    start=$(git -C "$repo" rev-parse HEAD)
    n=0
    for p in $(series_patches "$name"); do
        quietly git -C "$repo" am --committer-date-is-author-date "$PATCHES/$p" ||
            die "$p does not apply with git am to $QEMU_VERSION${prev:+ and the series up to $prev}"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || die "series $name is empty"
    out=$(series_dir "$name")
    git -C "$repo" format-patch -q -v "$version" --cover-letter \
        --thread=shallow --base="$QEMU_COMMIT" -o "$out" "$start..HEAD"

    # Fill in the cover letter's subject and blurb.
    letter=$(ls "$out"/*0000-cover-letter.patch)
    blurb=$out/.blurb
    {
        sed -e '1,/^$/d' "$cover"
        echo
        echo "Based on QEMU $QEMU_VERSION, commit $QEMU_COMMIT,"
        if [ -n "$prev" ]; then
            echo "with the series before it applied:$(series_names |
                sed "/^$name\$/,\$d" | sed 's/^/ /' | tr -d '\n')"
            echo "(in that order; the patches name them as prerequisites)."
        else
            echo "alone; the patches apply with git am on it."
        fi
        echo
        echo "How it was tested"
        echo "-----------------"
        if [ -s "$BUILD/logs/patched/summary" ]; then
            echo "QEMU's make check, qemu-iotests -raw/-qcow2 (quick) and the"
            echo "migration cases, with every series applied, on x86_64"
            echo "(accelerator in brackets):"
            sed 's/^/  /' "$BUILD/logs/patched/summary"
            if [ -s "$BUILD/logs/patched/migration-figures.log" ]; then
                echo
                echo "Key figures of the migration cases:"
                sed 's/^/  /' "$BUILD/logs/patched/migration-figures.log"
            fi
        else
            echo "(no test run found: run make check before make series)"
        fi
        if sed -n '1,/^$/p' "$cover" | grep -qx 'Benchmarks: *yes'; then
            echo
            echo "Benchmarks"
            echo "----------"
            if [ -s "$BUILD/bench/report.md" ]; then
                cat "$BUILD/bench/report.md"
            else
                echo "(not measured: run make bench before make series)"
            fi
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
    log "series $name v$version: $n patches and a cover letter in $out"
    prev=$name
    total=$((total + n))
done
log "$total patches in $(series_names | wc -l) series under $BUILD/series"
