# scripts/lib.sh: shared by the project's scripts (sourced, never run).
# Sets TOP (project root), BUILD (build folder), CACHE_DIR, the pin from
# upstream.conf and the build settings from scripts/build.conf, and
# provides log/die helpers and the list of patches in the series file.
# The Python scripts read the same settings from it (scripts/lib.py).

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/upstream.conf"
. "$TOP/scripts/build.conf"

BUILD=${BUILD:-$TOP/build}
CACHE_DIR=${QEMU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-migration-thread}
CACHE_GIT=$CACHE_DIR/qemu.git
PATCHES=$TOP/patches
# Where the system emulator is in a build folder (build/obj/VARIANT); the
# other programs build.sh builds, qemu-img and qemu-io, are at its top.
QEMU_SYSTEM_REL=x86_64-softmmu/qemu-system-x86_64

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch, for stage timings.
now() { date +%s; }

# qemu_system OBJ: the system emulator of build folder OBJ.
qemu_system() { printf '%s/%s\n' "$1" "$QEMU_SYSTEM_REL"; }

# quietly CMD...: run CMD with its output put aside; if it fails, print
# that output on stderr and return its status.
quietly() {
    _quietly=$(mktemp)
    if "$@" > "$_quietly" 2>&1; then
        rm -f "$_quietly"
        return 0
    else
        set -- $? "$_quietly"
        cat "$2" >&2
        rm -f "$2"
        return "$1"
    fi
}

# scratch_clone DIR: DIR becomes a new clone of the upstream cache (the
# pin fetched first if needed), checked out detached at the pin.  Dies
# saying what failed.
scratch_clone() {
    quietly sh "$TOP/scripts/fetch-upstream.sh" ||
        die "cannot get QEMU $QEMU_VERSION into the cache (above)"
    rm -rf "$1"
    # The cache has no branch: git clone warns that it looks empty.
    quietly git clone -q --shared --no-checkout "$CACHE_GIT" "$1" ||
        die "git clone of $CACHE_GIT into $1 failed (above)"
    quietly git -C "$1" checkout -q --detach "$QEMU_COMMIT" ||
        die "git checkout of $QEMU_COMMIT in $1 failed (above)"
}

# series_names: the series of the stack in the order patches/series
# applies them: every folder of patches/ but host/ is one series as it
# goes to the list, with its own cover letter.
series_names() {
    series_patches series | sed 's|/.*||' | awk '!seen[$0]++'
}

# series_version NAME: "Version:" of patches/NAME/cover-letter, the only
# place the version of that series is set.
series_version() {
    _cover=$PATCHES/${1:?series_version: which series?}/cover-letter
    [ -f "$_cover" ] || die "$_cover does not exist"
    _version=$(sed -n 's/^Version: *//p' "$_cover")
    [ -n "$_version" ] || die "$_cover has no Version: line"
    printf '%s\n' "$_version"
}

# series_dir NAME: where `make series` writes series NAME, as mailed.
series_dir() {
    printf '%s/series/%s-v%s\n' "$BUILD" "$1" "$(series_version "$1")"
}

# series_patches [LAYER]: the patches named in patches/series, in order.
# LAYER "host" gives the host-compatibility layer, "series" every series
# that goes to the list (everything outside host/), "all" (default)
# both, and the name of one series (a folder: stable, thread...) that
# series alone.
series_patches() {
    sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$PATCHES/series" |
    case "${1:-all}" in
    host) grep '^host/' || true ;;
    series) grep -v '^host/' || true ;;
    all) cat ;;
    *)
        [ -f "$PATCHES/$1/cover-letter" ] ||
            die "series_patches: no series named $1 (patches/$1/cover-letter)"
        grep "^$1/" || true
        ;;
    esac
}

# only_tests PATCH: true if the patch changes nothing outside tests/.
only_tests() {
    ! sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p' "$PATCHES/$1" | grep -qv '^tests/'
}

# variant_patches VARIANT: the patches a build variant applies.
# "patched" has both layers; "baseline" is v1.3.0 as it is, buildable on
# this host: the host layer and, of the series, only the patches that
# add tests, so the same tests run against the unchanged code.
variant_patches() {
    case "$1" in
    patched) series_patches all ;;
    baseline)
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
    *) die "unknown build variant '$1' (patched, baseline or bisect)" ;;
    esac
}
