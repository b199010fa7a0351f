#!/bin/sh
# scripts/series-check.sh: check build/series-vN/ as a reviewer would:
# v1.3.0's scripts/checkpatch.pl on every patch (no error allowed;
# warnings are listed), the patches applied with `git am` to an unmodified
# v1.3.0 in a scratch repository, and every patch built with -Werror and
# the fast migration cases run on it (scripts/bisect.sh).  Fails naming the
# first offending patch.

. "$(dirname "$0")/lib.sh"

out=$BUILD/series-v$(series_version)
[ -d "$out" ] || die "$out does not exist: run make series first"
checkpatch=$BUILD/src/patched/scripts/checkpatch.pl
[ -f "$checkpatch" ] || die "no checkpatch.pl in $BUILD/src/patched: run make first"

fail=0
for p in "$out"/*.patch; do
    case $p in *0000-cover-letter.patch) continue ;; esac
    res=$(perl "$checkpatch" --no-tree "$p" 2>&1 || true)
    total=$(printf '%s\n' "$res" | sed -n 's/^total: //p')
    errors=${total%% errors*}
    if [ "${errors:-1}" != 0 ]; then
        printf 'FAIL checkpatch %s: %s\n' "${p##*/}" "$total"
        printf '%s\n' "$res" | grep -A3 '^ERROR' | sed 's/^/    /'
        fail=1
        break
    fi
    printf 'PASS checkpatch %s: %s\n' "${p##*/}" "$total"
    printf '%s\n' "$res" | grep '^WARNING' | sed 's/^/    /'
done
[ $fail -eq 0 ] || { echo "0 passed, 1 failed"; exit 1; }

# git am of exactly what would be mailed, on an unmodified v1.3.0.
repo=$BUILD/series-check-git
scratch_clone "$repo"
for p in "$out"/*.patch; do
    case $p in *0000-cover-letter.patch) continue ;; esac
    if ! git -C "$repo" am -q "$p" > "$repo.log" 2>&1; then
        sed 's/^/    /' "$repo.log"
        echo "FAIL git am ${p##*/}"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
echo "PASS git am: all of $out applies to $QEMU_VERSION"

# Build and test at every patch (the same patches, through quilt, on the
# host layer that makes v1.3.0 build here).
sh "$TOP/scripts/bisect.sh"
