# scripts/lib.py: for the Python scripts, the settings scripts/lib.sh
# gives the shell ones, taken from lib.sh itself so that they have one
# home: TOP, BUILD (honours $BUILD), CACHE_DIR, PATCHES, the pin of
# upstream.conf (QEMU_VERSION, QEMU_COMMIT), the build settings of
# scripts/build.conf and QEMU_SYSTEM_REL (where a build folder holds the
# system emulator).
#
#   import lib
#   lib.settings()['QEMU_COMMIT'], lib.qemu_system(obj), lib.build_dir()

import functools
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB_SH = os.path.join(TOP, 'scripts', 'lib.sh')


@functools.lru_cache(maxsize=None)
def settings():
    '''{name: value} of every variable lib.sh sets (and the environment
    it runs in): lib.sh sourced with set -a, then `env -0`'''
    p = subprocess.run(['sh', '-c', 'set -a; . "$0" && exec env -0', LIB_SH],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=False)
    if p.returncode:
        raise RuntimeError('sourcing %s failed: %s'
                           % (LIB_SH, p.stderr.decode(errors='replace')))
    out = {}
    for item in p.stdout.decode(errors='replace').split('\0'):
        if '=' in item:
            k, v = item.split('=', 1)
            out[k] = v
    return out


def build_dir(*parts):
    '''A path under the build folder ($BUILD, default build/)'''
    return os.path.join(settings()['BUILD'], *parts)


def qemu_system(obj):
    '''The system emulator of build folder obj'''
    return os.path.join(obj, settings()['QEMU_SYSTEM_REL'])
