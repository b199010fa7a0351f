#!/bin/sh
# scripts/check-series.sh: patch hygiene.  Every patch named in
# patches/series exists and carries From:, Subject: and a Signed-off-by:
# of the same person as From:; every patch file is named in the series.
# Prints one PASS/FAIL line per patch; exits non-zero on any failure.

. "$(dirname "$0")/lib.sh"

fail=0
result() { # STATUS NAME [WHY]
    printf '%s %s%s\n' "$1" "$2" "${3:+ ($3)}"
    [ "$1" = PASS ] || fail=1
}

listed=$(series_patches all)
for p in $listed; do
    f=$PATCHES/$p
    if [ ! -f "$f" ]; then
        result FAIL "$p" "named in patches/series but missing"
        continue
    fi
    # From: may be folded over two lines by git format-patch.
    from=$(sed -n '/^From: /{N;s/\n / /;s/^From: //;s/\n.*//;p;q}' "$f")
    why=
    [ -n "$from" ] || why="no From:"
    grep -q '^Subject: ' "$f" || why="${why:+$why, }no Subject:"
    if ! grep -q '^Signed-off-by: ' "$f"; then
        why="${why:+$why, }no Signed-off-by:"
    elif [ -n "$from" ] && ! grep -qxF "Signed-off-by: $from" "$f"; then
        why="${why:+$why, }no Signed-off-by: from the author ($from)"
    fi
    grep -q '^diff --git ' "$f" || why="${why:+$why, }no diff"
    if [ -n "$why" ]; then result FAIL "$p" "$why"; else result PASS "$p"; fi
done

for f in $(cd "$PATCHES" && find . -name '*.patch' -type f | sed 's|^\./||' | sort); do
    printf '%s\n' "$listed" | grep -qxF "$f" ||
        result FAIL "$f" "in patches/ but not in patches/series"
done
exit $fail
