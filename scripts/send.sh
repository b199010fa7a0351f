#!/bin/sh
# scripts/send.sh: print the git send-email command for each series,
# build/series/NAME-vN/ in the order they apply (SERIES=NAME: that one
# only; each goes out as its own thread) (To: qemu-devel, Cc: the maintainers upstream's scripts/get_maintainer.pl
# names for the files the series touches, from MAINTAINERS at the pinned
# commit) and run it with --dry-run.  It only sends for real when
# SEND=yes is set by whoever sends it, who must also add their own
# Signed-off-by (git send-email does not).

. "$(dirname "$0")/lib.sh"

names=${SERIES:-$(series_names)}
src=$BUILD/src/patched
for name in $names; do
    out=$(series_dir "$name")
    [ -d "$out" ] || die "$out does not exist: run make series first"
done
[ -f "$src/scripts/get_maintainer.pl" ] || die "run make first"
git send-email --help > /dev/null 2>&1 ||
    die "git send-email is missing: sh scripts/deps.sh send (make send runs it)"

# Maintainers of every file the series touches.  In v1.3.0 migration.c,
# savevm.c, arch_init.c, memory.c and exec.c have no section: they fall to
# "General Project Administration", which get_maintainer.pl does not add
# by itself.
# Its notice that the tree is no git repository is put aside; its
# errors are shown.
found=$(mktemp)
trap 'rm -f "$found" "$found.err"' EXIT
for name in $names; do
    out=$(series_dir "$name")
    : > "$found"
    for p in "$out"/*.patch; do
        (cd "$src" && perl scripts/get_maintainer.pl --no-git --no-rolestats \
            --no-l "$p") >> "$found" 2> "$found.err" || {
            cat "$found.err" >&2
            die "scripts/get_maintainer.pl failed on ${p##*/}"
        }
    done
    cc=$(sort -u "$found")
    general=$(awk '/^General Project Administration/ { f = 1; next }
                   f && /^M:/ { sub(/^M: */, ""); print }
                   f && /^$/ { exit }' "$src/MAINTAINERS")
    cc=$(printf '%s\n%s\n' "$cc" "$general" | grep -v '^$' | sort -u)

    set -- --to=qemu-devel@nongnu.org
    while IFS= read -r who; do
        set -- "$@" "--cc=$who"
    done <<CC
$cc
CC
    set -- "$@" --suppress-cc=self --no-chain-reply-to

    echo "Command (add your own Signed-off-by to each patch first):"
    printf '  git send-email'
    for a in "$@"; do printf " '%s'" "$a"; done
    printf ' %s/*.patch\n\n' "$out"

    if [ "${SEND:-}" = yes ]; then
        git send-email "$@" "$out"/*.patch
    else
        git send-email --dry-run --confirm=never "$@" "$out"/*.patch
        echo
        echo "Dry run only; SEND=yes make send sends it for real."
    fi
done
