# scripts/lib.sh: shared by the project's scripts (sourced, never run).
# Sets TOP (project root), BUILD (build folder), CACHE_DIR, the pin from
# upstream.conf and the build settings from scripts/build.conf, and
# provides log/die helpers and the list of patches in the series file.

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/upstream.conf"
. "$TOP/scripts/build.conf"

BUILD=${BUILD:-$TOP/build}
CACHE_DIR=${QEMU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-migration-thread}
CACHE_GIT=$CACHE_DIR/qemu.git
PATCHES=$TOP/patches

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch, for stage timings.
now() { date +%s; }

# series_patches [LAYER]: the patches named in patches/series, in order.
# LAYER "host" gives the host-compatibility layer, "series" the
# migration series (everything outside host/), "all" (default) both.
series_patches() {
    sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$PATCHES/series" |
    case "${1:-all}" in
    host) grep '^host/' || true ;;
    series) grep -v '^host/' || true ;;
    all) cat ;;
    *) die "series_patches: unknown layer $1" ;;
    esac
}

# only_tests PATCH: true if the patch changes nothing outside tests/.
only_tests() {
    ! sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p' "$PATCHES/$1" | grep -qv '^tests/'
}

# variant_patches VARIANT: the patches a build variant applies.
# "patched" has both layers; "pristine" is v1.3.0 as it is, buildable on
# this host: the host layer and, of the series, only the patches that
# add tests, so the same tests run against the unchanged code.
variant_patches() {
    case "$1" in
    patched) series_patches all ;;
    pristine)
        series_patches host
        for p in $(series_patches series); do
            if only_tests "$p"; then echo "$p"; fi
        done
        ;;
    bisect)
        # The host layer and the first $BISECT_UPTO patches of the series.
        series_patches host
        series_patches series | head -n "${BISECT_UPTO:?}"
        ;;
    *) die "unknown build variant '$1' (patched, pristine or bisect)" ;;
    esac
}
