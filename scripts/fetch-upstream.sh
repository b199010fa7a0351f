#!/bin/sh
# scripts/fetch-upstream.sh: make the pinned QEMU commit available in the
# project's cache ($CACHE_GIT, a bare repository), in this order:
#   1. QEMU_GIT=/path/to/qemu(.git): a local repository or mirror;
#   2. the cache itself, filled by an earlier run;
#   3. a fetch from QEMU's official public git.
# This is the only script that uses the network.  Writes only the cache.

. "$(dirname "$0")/lib.sh"

have_pin() {
    [ -d "$CACHE_GIT" ] &&
        git --git-dir="$CACHE_GIT" cat-file -e "$QEMU_COMMIT^{commit}" 2>/dev/null
}

init_cache() {
    [ -d "$CACHE_GIT" ] && return 0
    mkdir -p "$CACHE_DIR"
    git init -q --bare "$CACHE_GIT"
}

# fetch_into_cache SOURCE: fetch just the pinned commit (and its history).
fetch_into_cache() {
    init_cache
    log "fetching QEMU $QEMU_VERSION ($QEMU_COMMIT) from $1 into $CACHE_GIT"
    git --git-dir="$CACHE_GIT" fetch --no-tags "$1" \
        "$QEMU_COMMIT:refs/pinned/$QEMU_VERSION"
}

if [ -n "${QEMU_GIT:-}" ]; then
    [ -d "$QEMU_GIT" ] || die "QEMU_GIT=$QEMU_GIT is not a directory"
    git --git-dir="$QEMU_GIT" cat-file -e "$QEMU_COMMIT^{commit}" 2>/dev/null ||
        git -C "$QEMU_GIT" cat-file -e "$QEMU_COMMIT^{commit}" 2>/dev/null ||
        die "QEMU_GIT=$QEMU_GIT does not contain commit $QEMU_COMMIT ($QEMU_VERSION)"
    have_pin || fetch_into_cache "$QEMU_GIT"
elif ! have_pin; then
    if ! fetch_into_cache "$QEMU_PUBLIC_GIT"; then
        die "cannot get QEMU $QEMU_VERSION: no cache in $CACHE_GIT and $QEMU_PUBLIC_GIT is not reachable; point the build at a local mirror with 'make QEMU_GIT=/path/to/qemu.git'"
    fi
fi

# A commit id names its content, so the pin holding is the verification;
# check it again in case a cache was filled by hand.
have_pin || die "the cache $CACHE_GIT lacks commit $QEMU_COMMIT"
got=$(git --git-dir="$CACHE_GIT" rev-parse "refs/pinned/$QEMU_VERSION" 2>/dev/null || true)
if [ "$got" != "$QEMU_COMMIT" ]; then
    git --git-dir="$CACHE_GIT" update-ref "refs/pinned/$QEMU_VERSION" "$QEMU_COMMIT"
fi
log "upstream: QEMU $QEMU_VERSION at $QEMU_COMMIT (cache $CACHE_GIT)"
