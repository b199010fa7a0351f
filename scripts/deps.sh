#!/bin/sh
# scripts/deps.sh [bench|valgrind|send]: check that the build and test
# dependencies are installed (scripts/build.conf lists them), with "bench"
# those of `make bench`, with "valgrind" those of `make check-valgrind`,
# with "send" git send-email (`make send`) too.  As root on Debian they
# are installed with apt-get; otherwise the exact command is printed.
# The only script that installs packages.

. "$(dirname "$0")/lib.sh"

pkgs=$BUILD_DEPS_DEBIAN cmds=
case "${1:-}" in
bench) pkgs="$pkgs $BENCH_DEPS_DEBIAN" cmds=gnuplot ;;
valgrind) pkgs="$pkgs $VALGRIND_DEPS_DEBIAN" cmds=valgrind ;;
# Listed here, not in build.conf: bisect.sh's record of the steps that
# passed hashes build.conf, and these change no build.  git send-email
# needs the Perl modules git-email only recommends (Mail::Address, and
# SASL and TLS to send).
send) pkgs="$pkgs git-email libmailtools-perl libemail-valid-perl
        libauthen-sasl-perl libio-socket-ssl-perl" ;;
esac
missing=
for pkg in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q ' installed$' ||
        missing="$missing $pkg"
done
if ! command -v dpkg-query > /dev/null; then
    # Not Debian: check what the build needs directly.
    missing=
    for cmd in cc make git quilt python3 pkg-config bc ip $cmds; do
        command -v "$cmd" > /dev/null || missing="$missing $cmd"
    done
    for lib in glib-2.0 pixman-1 zlib; do
        pkg-config --exists "$lib" 2>/dev/null || missing="$missing $lib"
    done
    [ -z "$missing" ] || die "missing build dependencies:$missing (and libfdt)"
    exit 0
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    log "installing build dependencies:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > /dev/null || die "apt-get update failed"
    # debconf's "delaying package configuration" note is not for us.
    export DEBCONF_NOWARNINGS=yes
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing > /dev/null ||
        die "apt-get install$missing failed"
else
    die "missing build dependencies; install them with: sudo apt-get install$missing"
fi
