#!/bin/sh
# scripts/check-git-am.sh: the series must apply with plain `git am` (no
# fuzz, no 3-way) to an unmodified v1.3.0 on its own, as a reviewer applies
# it; the host layer must then apply on top.  Works in build/git-am, a
# scratch clone of the upstream cache.  One PASS/FAIL line per patch.

. "$(dirname "$0")/lib.sh"

repo=$BUILD/git-am
scratch_clone "$repo"
cd "$repo"
git config user.name "check-git-am"
git config user.email "check-git-am@localhost"

fail=0
for layer in series host; do
    for p in $(series_patches $layer); do
        if git am -q "$PATCHES/$p" > "$repo.log" 2>&1; then
            printf 'PASS git am %s\n' "$p"
        else
            printf 'FAIL git am %s\n' "$p"
            sed 's/^/    /' "$repo.log"
            git am --abort > /dev/null 2>&1 || true
            fail=1
            break 2
        fi
    done
done
exit $fail
