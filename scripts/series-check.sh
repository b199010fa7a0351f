#!/bin/sh
# scripts/series-check.sh: check build/series/NAME-vN/ of every series as
# a reviewer would: v1.3.0's scripts/checkpatch.pl on every patch (no
# error allowed; warnings are listed), each series applied with `git am`
# on an unmodified v1.3.0 and the series before it, in a scratch
# repository, and every patch built with -Werror and the fast migration
# cases run on it, the tree's make check on the last patch of each
# series (scripts/bisect.sh).  Fails naming the first offending patch.
# `make series-check` writes build/series/ first (make series), so that
# what it checks is the stack as it is.

. "$(dirname "$0")/lib.sh"

checkpatch=$BUILD/src/patched/scripts/checkpatch.pl
[ -f "$checkpatch" ] || die "no checkpatch.pl in $BUILD/src/patched: run make first"
for name in $(series_names); do
    out=$(series_dir "$name")
    [ -d "$out" ] || die "$out does not exist: run make series first"
done

failed() { # WHAT
    echo "FAIL $1"
    echo "0 passed, 1 failed"
    exit 1
}

for name in $(series_names); do
    for p in "$(series_dir "$name")"/*.patch; do
        case $p in *0000-cover-letter.patch) continue ;; esac
        res=$(perl "$checkpatch" --no-tree "$p" 2>&1 || true)
        total=$(printf '%s\n' "$res" | sed -n 's/^total: //p')
        errors=${total%% errors*}
        if [ "${errors:-1}" != 0 ]; then
            printf '%s\n' "$res" | grep -A3 '^ERROR' | sed 's/^/    /'
            failed "checkpatch $name/${p##*/}: $total"
        fi
        printf 'PASS checkpatch %s/%s: %s\n' "$name" "${p##*/}" "$total"
        printf '%s\n' "$res" | grep '^WARNING' | sed 's/^/    /'
    done
done

# git am of exactly what would be mailed, each series on the ones before.
repo=$BUILD/series-check-git
scratch_clone "$repo"
for name in $(series_names); do
    out=$(series_dir "$name")
    for p in "$out"/*.patch; do
        case $p in *0000-cover-letter.patch) continue ;; esac
        if ! git -C "$repo" am -q "$p" > "$repo.log" 2>&1; then
            sed 's/^/    /' "$repo.log"
            failed "git am $name/${p##*/}"
        fi
    done
    echo "PASS git am: $out applies to $QEMU_VERSION and the series before it"
done

# Build and test at every patch (the same patches, through quilt, on the
# host layer that makes v1.3.0 build here).
sh "$TOP/scripts/bisect.sh"
