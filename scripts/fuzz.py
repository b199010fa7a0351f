#!/usr/bin/env python3
#
# scripts/fuzz.py: feed a destination QEMU mutated migration streams
#
# Usage: fuzz.py QEMU_DIR TREE OUT [SECONDS [SEED]]
#   QEMU_DIR  a build folder (build/obj/asan: ASan and UBSan)
#   TREE      the patched source tree (its qemu-iotests hold migtest.py,
#             the stream parser migstream.py and the QMP module)
#   OUT       build/fuzz: seeds/, findings/, fuzz.log
#
# Seeds are streams this script captures from the project's test guest
# on a pc machine with the devices make check and the benchmarks start
# and more (IDE disk, e1000, virtio-net, virtio-blk, virtio-balloon,
# VGA): an idle guest, a dirtying guest, one with XBZRLE on, one with
# block migration.  Each input is a seed with a few mutations, random
# (bit flips, bytes set to 0x00/0xff/0x7f/0x80, a run deleted or
# doubled, the stream cut) or structure-aware (a field of a section
# header or of a RAM record: section type, id, name length, instance,
# version; page address, flags, block name length, XBZRLE length; or 1
# to 8 bytes at a random offset of a device's state set to a count,
# index or size worth trying).
#
# QEMU cannot load twice in one process, and starting one costs far
# more than a load.  A QEMU of the series is a fork server
# (QEMU_FUZZ_FORKSERVER, see its migration.c): each worker starts one
# destination per set of capabilities and has a forked child of it
# load each input from a file, exit 0 (loaded) or 1 (refused).  With a
# QEMU that has no fork server (v1.3.0), each input gets a destination
# process of its own: it listens on tcp, gets the seed's capabilities
# over QMP, is sent the input and must then either run (the load
# succeeded) or exit non-zero by itself.  A finding is: a signal, a
# sanitizer report, status 0 after a failed load (a process of its
# own only), or still loading LOAD_BOUND seconds after the input was
# sent; not an abort of v1.3.0 code that a guest reaches as well
# (KNOWN_ABORTS), which is counted apart.  Each is saved in
# OUT/findings/ with the seed's command line and a command that
# replays it.  Exit status: 1 if anything was found.
# FUZZ_FORKSERVER=0 uses processes of their own with any QEMU.
#
# Copyright (C) 2026 the QEMU migration-thread project
#
# This work is licensed under the terms of the GNU GPL, version 2 or later.

import gzip
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

LOAD_BOUND = 20         # seconds a destination may take to load an input
WORKERS = 2             # one per core
RAM_MB = 32             # small: every input loads the whole of it
DISK_MB = 4             # the IDE disk, all of it in the block seed
MAX_SAVED = 10          # findings saved (minimised) per worker; the rest
                        # are counted

if len(sys.argv) < 4:
    sys.exit('usage: fuzz.py QEMU_DIR TREE OUT [SECONDS [SEED]]')
QEMU_DIR, TREE, OUT = sys.argv[1:4]
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 180
BASE_SEED = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] \
    else int(time.time()) % 1000000

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib                                            # noqa: E402
QEMU = lib.qemu_system(QEMU_DIR)
os.environ['QEMU'] = QEMU
os.environ.setdefault('MIGTEST_ACCEL', 'tcg')
os.environ['MIGTEST_DIR'] = os.path.join(QEMU_DIR, 'tests', 'migration')
os.environ['TEST_DIR'] = os.path.join(OUT, 'scratch')
# Sanitizer reports go to the destination's log; the first one ends it.
os.environ['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=0'
# UBSan goes on: v1.3.0 code the series does not touch gives reports
# that tests/asan-known-reports lists (some at every start), and those
# are not findings
os.environ['UBSAN_OPTIONS'] = 'print_stacktrace=1:halt_on_error=0'
sys.path[:0] = [os.path.join(TREE, 'tests', 'qemu-iotests'),
                os.path.join(TREE, 'QMP')]
import migtest                                        # noqa: E402
import migstream                                      # noqa: E402

KNOWN_REPORTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             '..', 'tests', 'asan-known-reports')


def known_ubsan():
    '''(file, function) of the UBSan reports known in v1.3.0 code'''
    known = set()
    with open(KNOWN_REPORTS) as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[0] == 'ubsan':
                known.add((words[1], words[2]))
    return known


KNOWN_UBSAN = known_ubsan()
UBSAN_RE = re.compile(r'([\w./-]+):\d+:\d+: runtime error:.*\n\s*#0 0x[0-9a-f]+ '
                      r'in (\w+)')


# Aborts of v1.3.0 code that a guest reaches as well as a stream, each
# with why it is not a finding of the loader: (text in the log, reason)
KNOWN_ABORTS = [
    ('qemu: hardware error: register_ioport_',
     'a PCI I/O BAR or the PIIX4 PM base moved over another device\'s '
     'legacy ports: v1.3.0\'s ioport table aborts, and a guest can move '
     'them there by writing the same config space'),
]


def known_abort(log):
    '''The reason a log's abort is a known one, or None'''
    for text, reason in KNOWN_ABORTS:
        if text in log:
            return reason
    return None


def sanitizer_finding(log):
    '''The first sanitizer report of a log that is not a known one'''
    if 'ERROR: AddressSanitizer' in log:
        return 'ASan: ' + log[log.index('ERROR: AddressSanitizer'):][:200]
    for m in UBSAN_RE.finditer(log):
        path, func = m.group(1), m.group(2)
        if not any(path.endswith(f) and func == fn for f, fn in KNOWN_UBSAN):
            return 'UBSan: %s in %s' % (path, func)
    if 'runtime error:' in log and not UBSAN_RE.search(log):
        return 'UBSan report without a stack'
    return None


def devices(disk):
    '''The devices of every seed's guest; disk: its IDE image'''
    return ['-drive', 'file=%s,if=ide,format=qcow2' % disk,
            '-netdev', 'user,id=n0', '-device', 'e1000,netdev=n0',
            '-netdev', 'user,id=n1', '-device', 'virtio-net-pci,netdev=n1',
            '-drive', 'file=%s,if=none,id=vd0,format=raw' % (disk + '.raw'),
            '-device', 'virtio-blk-pci,drive=vd0',
            '-device', 'virtio-balloon-pci', '-device', 'VGA']


def create_disks(disk):
    qemu_img = os.path.join(QEMU_DIR, 'qemu-img')
    for args in (['-f', 'qcow2', disk, '%dM' % DISK_MB],
                 ['-f', 'raw', disk + '.raw', '1M']):
        subprocess.check_call([qemu_img, 'create'] + args,
                              stdout=subprocess.DEVNULL)


# name: (guest mode, xbzrle, block migration)
SEEDS = {'idle': ('idle', False, False),
         'dirty': ('fill-then-dirty', False, False),
         'xbzrle': ('fill-then-dirty', True, False),
         'blk': ('idle', False, True)}
# FUZZ_SEEDS=idle,dirty: only those (v1.3.0 cannot load a -b stream);
# FUZZ_INPUTS=N: stop after N inputs (with the same SEED, the same ones)
if os.environ.get('FUZZ_SEEDS'):
    SEEDS = dict((k, SEEDS[k]) for k in os.environ['FUZZ_SEEDS'].split(','))


def guest_params(mode):
    return dict(mode=mode, mb=4, ram=RAM_MB, seed=7)


def capture(name):
    '''Migrate a fresh source to OUT/seeds/NAME; return the file'''
    mode, xbzrle, blk = SEEDS[name]
    path = os.path.join(OUT, 'seeds', name)
    if os.path.exists(path):
        return path
    disk = os.path.join(OUT, 'scratch', 'src-%s.qcow2' % name)
    create_disks(disk)
    src = migtest.Guest('fuzzsrc-' + name, args=devices(disk),
                        **guest_params(mode))
    try:
        src.launch()
        src.wait_ready()
        if xbzrle:
            src.command('migrate-set-capabilities', capabilities=[
                {'capability': 'xbzrle', 'state': True}])
            time.sleep(1)
        # A speed limit, so that a dirtying guest needs several passes
        # (XBZRLE pages appear from the second one on)
        src.migrate('exec:cat > %s.part' % path, blk=blk,
                    speed=(64 << 20) if mode != 'idle' else 1 << 30,
                    downtime=0.5)
        info = src.wait_migration(timeout=120)
        if info.get('status') != 'completed':
            raise Exception('capturing seed %s: %s' % (name, info))
    finally:
        src.kill()
    os.rename(path + '.part', path)
    return path


class Destination(object):
    '''One destination QEMU fed one input over tcp'''

    def __init__(self, seed_name, tag):
        self.seed_name = seed_name
        mode, self.xbzrle, blk = SEEDS[seed_name]
        self.disk = os.path.join(OUT, 'scratch', 'dst-%s.qcow2' % tag)
        create_disks(self.disk)
        self.port = migtest.free_tcp_port()
        self.guest = migtest.Guest('fuzzdst-' + tag,
                                   incoming='tcp:127.0.0.1:%d' % self.port,
                                   args=devices(self.disk),
                                   **guest_params(mode))

    def command_line(self):
        return self.guest._args

    def run(self, data):
        '''Feed data; return (verdict, log): ok, refused, or a finding'''
        g = self.guest
        try:
            g.launch()
            if self.xbzrle:
                g.command('migrate-set-capabilities', capabilities=[
                    {'capability': 'xbzrle', 'state': True}])
        except Exception as err:
            g.kill()
            return 'start failed: %s' % err, g.log()
        try:
            conn = socket.create_connection(('127.0.0.1', self.port), 10)
            conn.sendall(data)
            conn.close()
        except (socket.error, OSError):
            pass                # it may refuse before the end
        deadline = time.time() + LOAD_BOUND
        verdict = None
        while verdict is None:
            if time.time() > deadline:
                verdict = 'still loading after %ds' % LOAD_BOUND
                break
            rc = g.proc.poll()
            if rc is not None:
                verdict = ('refused' if rc > 0 else
                           'exit status 0 after a failed load' if rc == 0
                           else 'known v1.3.0 abort'
                           if rc == -signal.SIGABRT and known_abort(g.log())
                           else 'killed by signal %d' % -rc)
                break
            try:
                status = g.command('query-status')['status']
            except Exception:
                continue        # it is exiting: poll() will tell
            if status != 'inmigrate':
                verdict = 'ok'
            else:
                time.sleep(0.01)
        g.kill()
        log = g.log()
        if sanitizer_finding(log):
            verdict = 'sanitizer report'
        for f in (self.disk, self.disk + '.raw'):
            if os.path.exists(f):
                os.remove(f)
        return verdict, log


class ForkServer(object):
    '''A destination QEMU whose forked children load one input each

    available is False, once ready() returned, if the QEMU has no fork
    server: it never answered.'''

    # How long the first answer may take before the QEMU is taken for
    # one without a fork server
    HANDSHAKE_BOUND = 60

    def __init__(self, xbzrle, tag):
        self.disk = os.path.join(OUT, 'scratch', 'srv-%s.qcow2' % tag)
        self.input = os.path.join(OUT, 'scratch', 'srv-%s.stream' % tag)
        self.log_path = os.path.join(OUT, 'scratch', 'srv-%s.log' % tag)
        create_disks(self.disk)
        self.ctl, theirs = socket.socketpair()
        os.environ['QEMU_FUZZ_FORKSERVER'] = str(theirs.fileno())
        os.environ['QEMU_FUZZ_TIMEOUT'] = str(LOAD_BOUND)
        self.guest = migtest.Guest(
            'fuzzsrv-' + tag,
            incoming='tcp:127.0.0.1:%d' % migtest.free_tcp_port(),
            args=devices(self.disk), pass_fds=(theirs.fileno(),),
            **guest_params('idle'))
        try:
            self.guest.launch()
        finally:
            del os.environ['QEMU_FUZZ_FORKSERVER']
            del os.environ['QEMU_FUZZ_TIMEOUT']
            theirs.close()
        if xbzrle:
            self.guest.command('migrate-set-capabilities', capabilities=[
                {'capability': 'xbzrle', 'state': True}])
        self.available = None

    def ready(self, seed):
        '''Wait until it can serve; True if it is a fork server'''
        # A child has none of the server's threads: the block layer's
        # pool threads, which leave after 10 s idle, must be gone, or a
        # child's disk I/O waits on them
        tasks = '/proc/%d/task' % self.guest.proc.pid
        migtest.wait_for(lambda: len(os.listdir(tasks)) <= 2, 30,
                         'the thread pool of %s to go idle' % self.guest.name)
        self.available = True
        self.ctl.settimeout(self.HANDSHAKE_BOUND)
        try:
            verdict, log = self.run(seed)
        except socket.timeout:
            self.available = False
            self.close()
            return False
        if verdict != 'ok':
            raise Exception('the fork server %s does not load a seed '
                            'unchanged (%s): %s' % (self.guest.name, verdict,
                                                     log[-2000:]))
        self.ctl.settimeout(LOAD_BOUND + 30)
        return True

    def run(self, data):
        '''Feed data to a child; return (verdict, log)'''
        with open(self.input, 'wb') as f:
            f.write(data)
        self.ctl.sendall(('%s %s\n' % (self.input, self.log_path)).encode())
        answer = b''
        while not answer.endswith(b'\n'):
            more = self.ctl.recv(64)
            if not more:
                raise Exception('the fork server %s died: %s'
                                % (self.guest.name, self.guest.log()[-2000:]))
            answer += more
        status = int(answer)
        with open(self.log_path, 'rb') as f:
            log = f.read().decode('utf-8', 'replace')
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            verdict = ('still loading after %ds' % LOAD_BOUND
                       if sig == signal.SIGKILL else
                       'known v1.3.0 abort' if sig == signal.SIGABRT and
                       known_abort(log) else
                       'killed by signal %d' % sig)
        else:
            verdict = {0: 'ok', 1: 'refused'}.get(
                os.WEXITSTATUS(status),
                'exit status %d' % os.WEXITSTATUS(status))
        if sanitizer_finding(log):
            verdict = 'sanitizer report'
        return verdict, log

    def close(self):
        self.ctl.close()
        self.guest.kill()


class Loader(object):
    '''Loads inputs of every seed: by fork servers where the QEMU has
    them, else by a destination process an input'''

    def __init__(self, tag, seeds):
        self.tag, self.servers, self.count = tag, {}, 0
        if os.environ.get('FUZZ_FORKSERVER', '1') == '0':
            return
        # One server for each set of capabilities, started together (a
        # server takes ~12 s to be ready), checked with one of its seeds
        first_seed = {}
        for name in sorted(seeds):
            first_seed.setdefault(SEEDS[name][1], seeds[name])
        for xbzrle in first_seed:
            self.servers[xbzrle] = ForkServer(xbzrle, '%s-%d' % (tag, xbzrle))
        for xbzrle, server in self.servers.items():
            if not server.ready(first_seed[xbzrle]):
                self.servers[xbzrle] = None

    def run(self, name, data):
        server = self.servers.get(SEEDS[name][1])
        if server:
            return server.run(data)
        self.count += 1
        return Destination(name, '%s-%d' % (self.tag, self.count)).run(data)

    def kind(self):
        return 'fork servers' if any(self.servers.values()) else \
            'a process an input'

    def close(self):
        for server in self.servers.values():
            if server:
                server.close()


# Mutations

INTERESTING = [b'\x00', b'\xff', b'\x7f', b'\x80']
INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                 0x80000000, 0xffffffff]


def mutate_random(rng, data):
    pos = rng.randrange(len(data))
    op = rng.randrange(5)
    if op == 0:
        data[pos] ^= 1 << rng.randrange(8)
    elif op == 1:
        data[pos] = rng.choice(INTERESTING)[0]
    elif op == 2:
        n = rng.randint(1, 64)
        del data[pos:pos + n]
    elif op == 3:
        n = rng.randint(1, 64)
        data[pos:pos] = data[pos:pos + n]
    else:
        del data[pos:]
    return 'random op %d at %d' % (op, pos)


def put(data, pos, fmt, value):
    size = struct.calcsize(fmt)
    data[pos:pos + size] = struct.pack(fmt, value & ((1 << 8 * size) - 1))


def device_field(rng, data, parsed):
    '''A value set inside a device's state: at a random offset of a
    device section, 1, 2, 4 or 8 bytes of an interesting value (counts,
    indexes and sizes are what vmstate trusts)'''
    full = [sec for sec in parsed.sections
            if sec[1] == migstream.SECTION_FULL]
    i = rng.randrange(len(full))
    start = full[i][4]
    end = full[i + 1][0] if i + 1 < len(full) else len(data) - 1
    if end <= start:
        return 'device %s empty' % full[i][3]
    size = rng.choice([1, 1, 2, 4, 4, 8])
    pos = rng.randrange(start, max(start + 1, end - size + 1))
    value = rng.choice(INTERESTING32 + [0x100, 0x10000, 1 << 31, 1 << 63,
                                        (1 << 64) - 1]) + rng.choice([0, 0,
                                                                      -1, 1])
    put(data, pos, '>%s' % {1: 'B', 2: 'H', 4: 'I', 8: 'Q'}[size], value)
    return 'device %s +%d (%d bytes) = 0x%x' % (full[i][3], pos - start,
                                                size, value)


def mutate_structure(rng, data, parsed):
    '''One field of a section header, of a device's state or of a RAM
    record'''
    if any(sec[1] == migstream.SECTION_FULL for sec in parsed.sections) \
            and rng.random() < 0.35:
        return device_field(rng, data, parsed)
    if parsed.sections and (rng.random() < 0.4 or not parsed.records):
        pos, kind, sid, name, end = rng.choice(parsed.sections)
        field = rng.choice(['type', 'id', 'namelen', 'instance', 'version'])
        if field == 'type':
            data[pos] = rng.choice([0, 1, 2, 3, 4, 5, 0x7f, 0xff])
        elif field == 'id':
            put(data, pos + 1, '>I', rng.choice(INTERESTING32 + [sid + 1]))
        elif kind in (migstream.SECTION_START, migstream.SECTION_FULL):
            if field == 'namelen':
                data[pos + 5] = rng.randrange(256)
            elif field == 'instance':
                put(data, end - 8, '>I', rng.choice(INTERESTING32))
            else:
                put(data, end - 4, '>I', rng.choice(INTERESTING32))
        return 'section %s %s at %d' % (name, field, pos)
    if parsed.block_records and rng.random() < 0.3:
        rec = rng.choice(parsed.block_records)
        field = rng.choice(['sector', 'flags', 'namelen'])
        if field == 'sector':
            sectors = DISK_MB << 11
            sector = rng.choice([sectors, sectors - 1, 1 << 40,
                                 (1 << 55) - 1, rng.randrange(1 << 32)])
            put(data, rec.pos, '>Q', sector << 9 | rec.flags)
        elif field == 'flags':
            put(data, rec.pos, '>Q', rec.addr | (rec.flags ^ (
                1 << rng.randrange(9))))
        elif rec.name_pos is not None:
            data[rec.name_pos] = rng.randrange(256)
        return 'block record %s at %d' % (field, rec.pos)
    rec = rng.choice(parsed.records)
    field = rng.choice(['addr', 'addr', 'flags', 'namelen', 'xbzrle'])
    if field == 'addr':
        addr = rng.choice([RAM_MB << 20, (RAM_MB << 20) - 4096, 1 << 40,
                           (1 << 52) - 4096, rng.randrange(1 << 32) & ~4095,
                           rec.addr + 4096])
        put(data, rec.pos, '>Q', addr | rec.flags)
    elif field == 'flags':
        put(data, rec.pos, '>Q', rec.addr | (rec.flags ^ (1 << rng.randrange(
            12))))
    elif field == 'namelen' and rec.name_pos is not None:
        data[rec.name_pos] = rng.randrange(256)
    elif rec.flags & migstream.FLAG_XBZRLE and rec.name_pos is not None:
        at = rec.name_pos + 1 + data[rec.name_pos]
        put(data, at + 1, '>H', rng.choice([0, 1, 4095, 4096, 4097, 0xffff]))
    return 'RAM record %s at %d' % (field, rec.pos)


def make_input(rng, seeds, parsed):
    name = rng.choice(sorted(seeds))
    data = bytearray(seeds[name])
    # The parse is of the seed: structure-aware mutations come first,
    # before a random one moves or cuts what follows
    kinds = sorted(rng.random() < 0.6 for _ in range(rng.choice([1, 1, 2,
                                                                   3])))
    steps = []
    for structured in reversed(kinds):
        if not data:
            break
        if structured:
            steps.append(mutate_structure(rng, data, parsed[name]))
        else:
            steps.append(mutate_random(rng, data))
    return name, bytes(data), steps


def minimise(loader, name, data, verdict):
    '''The shortest prefix of data (found by bisection, at most 32 loads)
    that still gives verdict: the stream up to the fault'''
    lo, hi = 0, len(data)
    for attempt in range(32):
        if hi - lo <= 16:
            break
        mid = (lo + hi) // 2
        if loader.run(name, data[:mid])[0] == verdict:
            hi = mid
        else:
            lo = mid
    return data[:hi]


def save_finding(verdict, name, data, steps, dst, log, seed):
    digest = hashlib.sha1(data).hexdigest()[:12]
    base = os.path.join(OUT, 'findings', '%s-%s' % (
        verdict.split()[0], digest))
    # A stream is megabytes of mostly zero pages: gzip takes it to
    # kilobytes
    with gzip.open(base + '.stream.gz', 'wb') as f:
        f.write(data)
    args = ' '.join("'%s'" % a if ' ' in a else a for a in
                    dst.command_line())
    with open(base + '.txt', 'w') as f:
        f.write('%s\nseed stream: %s, input seed %d\nmutations: %s\n\n'
                'replay (start it, then send the stream to its port):\n'
                '  %s &\n  python3 -c "import gzip,socket; s=socket.'
                'create_connection((\'127.0.0.1\', %d)); s.sendall(gzip.open('
                '\'%s\').read())"\n\nlog:\n%s\n'
                % (verdict, name, seed, '; '.join(steps), args, dst.port,
                   base + '.stream.gz', log[-4000:]))
    return base


def worker(index, seeds, parsed, results):
    counts = {}
    findings = []
    i = 0
    loader = Loader('w%d' % index, seeds)
    if index == 0:
        print('loading with %s' % loader.kind(), flush=True)
    # SECONDS of fuzzing, once the loader is ready, or FUZZ_INPUTS in all
    # (the same inputs on two builds: a comparison)
    began = time.time()
    deadline = began + SECONDS
    inputs = int(os.environ.get('FUZZ_INPUTS', 0)) // WORKERS
    while time.time() < deadline and (not inputs or i < inputs):
        seed = BASE_SEED * 1000 + i * WORKERS + index
        i += 1
        rng = random.Random(seed)
        name, data, steps = make_input(rng, seeds, parsed)
        verdict, log = loader.run(name, data)
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict not in ('ok', 'refused', 'known v1.3.0 abort'):
            if len(findings) >= MAX_SAVED:
                findings.append(None)
                continue
            data = minimise(loader, name, data, verdict)
            dst = Destination(name, 'replay-%d-%d' % (index, i))
            findings.append(save_finding(verdict, name, data, steps, dst,
                                         log, seed))
            print('finding: %s (input seed %d: %s)' % (verdict, seed,
                                                       '; '.join(steps)),
                  flush=True)
    took = time.time() - began
    loader.close()
    results.put((counts, findings, took))


def main():
    import multiprocessing
    for d in ('seeds', 'findings', 'scratch'):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    start = time.time()
    seeds, parsed = {}, {}
    for name in SEEDS:
        with open(capture(name), 'rb') as f:
            seeds[name] = f.read()
        parsed[name] = migstream.Stream(seeds[name])
        print('seed %s: %d bytes, %d sections, %d RAM records'
              % (name, len(seeds[name]), len(parsed[name].sections),
                 len(parsed[name].records)), flush=True)
    # Each seed must load as it is: else every mutation of it is noise
    for name in SEEDS:
        verdict, log = Destination(name, 'check-' + name).run(seeds[name])
        if verdict != 'ok':
            sys.exit('seed %s does not load unchanged (%s): %s'
                     % (name, verdict, log[-2000:]))
    print('fuzzing for %ds from seed %d with %d workers against %s'
          % (SECONDS, BASE_SEED, WORKERS, QEMU), flush=True)
    fuzz_start = time.time()
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(
        i, seeds, parsed, results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    counts, findings, took = {}, [], 0
    # A worker ends within its fork servers' start, its last input's
    # bound, plus the minimisation of its findings (32 loads each); one
    # that died never reports.
    bound = SECONDS + LOAD_BOUND * (1 + 32 * MAX_SAVED) + \
        2 * ForkServer.HANDSHAKE_BOUND + 60
    for p in procs:
        try:
            c, f, t = results.get(timeout=bound)
        except Exception:
            sys.exit('a fuzzing worker did not report within %ds (it died: '
                     'see its traceback above)' % bound)
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
        findings += f
        took = max(took, t)
    for p in procs:
        p.join()
    total = sum(counts.values())
    shutil.rmtree(os.path.join(OUT, 'scratch'), ignore_errors=True)
    # The rate is of the fuzzing time proper (the workers' longest), not
    # of the seeds' capture nor of the loaders' start
    print('%d inputs in %.0fs (%.1f/s; %.0fs with the seeds and the '
          'loaders\' start): %s'
          % (total, took, total / max(took, 1), time.time() - start,
             ', '.join('%s %d' % kv for kv in sorted(counts.items()))))
    print('%d findings%s' % (len(findings), ''.join(
        '\n  ' + f + '.txt' for f in findings if f)))
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
