#!/bin/sh
# scripts/export-series.sh GIT_TREE BASE [LAYER]: write the commits
# BASE..HEAD of a git work tree as the patches of a layer ("migration",
# the series, by default; or "host") with `git format-patch`, replacing
# that layer's files in patches/ and its lines in patches/series.
# For developers who keep the stack as commits while they work on it:
#   git clone build/git-am ... ; edit, commit, rebase -i ... ; then
#   sh scripts/export-series.sh /path/to/tree host-top

. "$(dirname "$0")/lib.sh"

tree=${1:?usage: export-series.sh GIT_TREE BASE [host|migration]}
base=${2:?usage: export-series.sh GIT_TREE BASE [host|migration]}
layer=${3:-migration}
dir=$PATCHES/$layer

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --zero-commit and --no-signature keep a refresh from churning every file.
git -C "$tree" format-patch -q -N --zero-commit --no-signature \
    -o "$tmp" "$base..HEAD"
rm -f "$dir"/*.patch
mkdir -p "$dir"
cp "$tmp"/*.patch "$dir"/ 2> /dev/null || true

# Rewrite patches/series: keep every other line, replace this layer's.
awk -v layer="$layer/" -v list="$(cd "$dir" && ls *.patch 2> /dev/null)" '
    function emit(  n, i, a) {
        n = split(list, a, "\n")
        for (i = 1; i <= n; i++) if (a[i] != "") print layer a[i]
        done = 1
    }
    index($1, layer) == 1 { if (!done) emit(); next }
    { print }
    END { if (!done) emit() }
' "$PATCHES/series" > "$tmp/series"
cp "$tmp/series" "$PATCHES/series"
log "$(ls "$dir" | wc -l) patches in patches/$layer"
