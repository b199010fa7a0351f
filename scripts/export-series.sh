#!/bin/sh
# scripts/export-series.sh GIT_TREE BASE LAYER [TIP]: write the commits
# BASE..TIP (TIP: HEAD by default) of a git work tree as the patches of
# one layer of patches/ ("host", or one series: stable, tests, ram,
# thread, destination) with `git format-patch`, replacing that layer's
# files in patches/ and its lines in patches/series (a new layer's lines
# go at the end).  For developers who keep the stack as commits while
# they work on it: one branch with every series on it, then one call per
# series, each from the tip of the one before, e.g.
#   sh scripts/export-series.sh /path/to/tree v1.3.0 stable stable-tip
#   sh scripts/export-series.sh /path/to/tree stable-tip tests tests-tip

. "$(dirname "$0")/lib.sh"

usage="usage: export-series.sh GIT_TREE BASE LAYER [TIP]"
tree=${1:?$usage}
base=${2:?$usage}
layer=${3:?$usage}
tip=${4:-HEAD}
dir=$PATCHES/$layer

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --zero-commit and --no-signature keep a refresh from churning every file.
git -C "$tree" format-patch -q -N --zero-commit --no-signature \
    -o "$tmp" "$base..$tip"
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
log "$(ls "$dir"/*.patch | wc -l) patches in patches/$layer"
