#!/bin/sh
# scripts/check-patches.sh: patch hygiene.  Every patch named in
# patches/series exists and carries From:, Subject: and a Signed-off-by:
# of the same person as From:; every patch file is named in the series.
# Provenance: every patch of the host layer (host/) says in its message
# where it stands upstream, with a trailer
#   Upstream-Status: Inappropriate [why]       (never to go upstream)
#   Upstream-Status: Backport [commit <sha>]   (taken from upstream)
# and no patch of the series (what goes to the list) has one.
# Every series (a folder of patches/ but host/) has a cover letter.
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
    # The commit message: up to the "---" before the diffstat.
    status=$(sed -n '/^---$/q; s/^Upstream-Status: *//p' "$f")
    case $p in
    host/*)
        if [ -z "$status" ]; then
            why="${why:+$why, }no Upstream-Status: trailer (host layer)"
        elif [ "$(printf '%s\n' "$status" | wc -l)" -ne 1 ]; then
            why="${why:+$why, }more than one Upstream-Status: trailer"
        elif ! printf '%s\n' "$status" | grep -Eqx \
                'Inappropriate \[[^]]+\]|Backport \[commit [0-9a-f]{7,40}\]'; then
            why="${why:+$why, }Upstream-Status: '$status' is neither 'Inappropriate [...]' nor 'Backport [commit <sha>]'"
        fi
        ;;
    *)
        [ -z "$status" ] ||
            why="${why:+$why, }Upstream-Status: in a patch of the series (host layer only)"
        ;;
    esac
    if [ -n "$why" ]; then result FAIL "$p" "$why"; else result PASS "$p"; fi
done

# Each series has a cover letter whose header gives its Version: and
# Title: (make series writes "[PATCH vN 00/MM] Title" from them).
for name in $(series_names); do
    cover=$PATCHES/$name/cover-letter
    why=
    if [ ! -f "$cover" ]; then
        why="no cover-letter"
    else
        header=$(sed -n '1,/^$/p' "$cover")
        printf '%s\n' "$header" | grep -Eq '^Version: *[0-9]+$' ||
            why="no Version: N in its header"
        printf '%s\n' "$header" | grep -Eq '^Title: *[^ ]' ||
            why="${why:+$why, }no Title: in its header"
    fi
    if [ -n "$why" ]; then result FAIL "$name/cover-letter" "$why"
    else result PASS "$name/cover-letter"; fi
done

for f in $(cd "$PATCHES" && find . -name '*.patch' -type f | sed 's|^\./||' | sort); do
    printf '%s\n' "$listed" | grep -qxF "$f" ||
        result FAIL "$f" "in patches/ but not in patches/series"
done
exit $fail
