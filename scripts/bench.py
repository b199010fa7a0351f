#!/usr/bin/env python3
# scripts/bench.py: live migration benchmarks, v1.3.0 (build/obj/pristine)
# against the series (build/obj/patched).  scripts/bench.sh runs it; the
# "Benchmarks" section of README says what each scenario measures.
#
# Every scenario runs on both builds, interleaved (pristine, patched,
# pristine, patched, ...), so that noise on the machine hits both alike.
# Every migration goes over tcp on 127.0.0.1, every wait is bounded and
# every QEMU started here is killed when its run ends, whatever happened.
# A migration that fails is a result (recorded with its detail); an
# exception in the harness is an error, and makes the run exit non-zero
# (as does a scenario that gives no sample) in QUICK mode.
#
# Output in --out (build/bench): results.json (every sample), report.md
# (the table), throughput.png and qmp-rtt.png (gnuplot), tmp/ (scratch).

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import types

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1024 * 1024
UNLIMITED = 1 << 40          # migrate_set_speed: 1 TiB/s, i.e. no limit
VARIANTS = ('pristine', 'patched')

# The sizes of a full run and of a QUICK one (a smoke test of the harness).
FULL = dict(
    rounds=5,                            # the medians that decide ratios
    # Scenario 1: issue #5 asks for -m 8192; here (TCG, 2 CPUs) one such
    # migration took 130-146 s, as the destination memsets and madvises
    # each zero page, so 6 of them would take half the time budget.
    idle_ram=int(os.environ.get('BENCH_IDLE_RAM', 4096)),
    fill_mb=2048, fill_ram=2048 + 64,    # scenarios 2, 3, 5: 2 GiB PRNG fill
    limits=(40, 200),                    # scenario 3: MiB/s
    settle=1.0, window=5.0,              # scenario 3: rate measured after
                                         # settle s, over window s
    dirty_mb=512, dirty_ram=512 + 128,   # scenario 4: 512 MiB dirtied
    converge_limit=30.0,                 # scenario 4: cancelled after this
    migrate_limit=300.0,                 # scenarios 1, 2: bound of a migration
    qmp_timeout=30.0,                    # a QMP reply later than this fails
    tcp_bytes=2048 * MIB, memcpy_mb=256, memcpy_reps=8, limit_reps=3,
    link_mb=1024, link_ram=1024 + 64,    # scenario 7: 1 GiB PRNG fill
    link_rtt_ms=1.0,                     # scenario 7: round trip on the link
)
QUICK = dict(FULL,
    rounds=1, idle_ram=256, fill_mb=256, fill_ram=256 + 64,
    settle=0.3, window=0.7, dirty_mb=64, dirty_ram=128,
    converge_limit=4.0, migrate_limit=60.0, qmp_timeout=20.0,
    tcp_bytes=256 * MIB, memcpy_mb=64, memcpy_reps=3, limit_reps=1,
    link_mb=64, link_ram=128,
)
SAMPLE_INTERVAL = 0.1     # query-migrate while a migration runs
PING_INTERVAL = 0.01      # query-status on the second QMP connection
MARKER_POLL = 0.002       # the serial file of a dirtying guest
CPU_POLL = 0.01           # /proc/PID/task/*/stat of both QEMUs

CFG = FULL


def log(msg):
    print('==> bench: %s' % msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    '''The harness could not run a scenario (not a result of QEMU)'''


# migtest.py (the migration cases' helpers) reads its settings from the
# environment when imported: the scratch folder, and a QEMU binary which
# BenchGuest replaces with the one of the build under test.
def import_migtest(out):
    tmp = os.path.join(out, 'tmp')
    os.makedirs(tmp, exist_ok=True)
    os.environ['TEST_DIR'] = tmp
    os.environ.setdefault('QEMU', Build('patched').qemu)
    sys.path.insert(0, os.path.join(TOP, 'build', 'src', 'patched', 'tests',
                                    'qemu-iotests'))
    global migtest
    import migtest
    return migtest


class Build(object):
    '''build/obj/VARIANT: its QEMU and test guest'''

    def __init__(self, variant):
        self.variant = variant
        obj = os.path.join(TOP, 'build', 'obj', variant)
        self.qemu = os.path.join(obj, 'x86_64-softmmu', 'qemu-system-x86_64')
        self.guest_elf = os.path.join(obj, 'tests', 'migration',
                                      'migtest-guest.elf')

    def stamp(self):
        st = os.stat(self.qemu)
        return '%d-%d' % (st.st_mtime, st.st_size)

    def wait_built(self, timeout=900):
        '''The binaries may be briefly missing while the tree is rebuilt'''
        deadline = time.time() + timeout
        said = False
        while True:
            try:
                if (os.access(self.qemu, os.X_OK) and
                        os.path.exists(self.guest_elf) and
                        time.time() - os.stat(self.qemu).st_mtime > 5):
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise BenchError('%s is not built (waited %ds)'
                                 % (self.qemu, timeout))
            if not said:
                log('%s: waiting for %s (being rebuilt?)'
                    % (self.variant, self.qemu))
                said = True
            time.sleep(2)


def make_guest_class(mt):
    class BenchGuest(mt.Guest):
        '''migtest's Guest, running the QEMU and guest of one build, with a
        shorter QMP read timeout and optionally a second QMP socket'''

        def __init__(self, build, name, qmp2=False, **kwargs):
            super().__init__(name, **kwargs)
            # After the wrapper (ip netns exec NS, for scenario 7)
            self._args[len(kwargs.get('wrapper', ()))] = build.qemu
            self._args[self._args.index('-kernel') + 1] = build.guest_elf
            self.qmp2_path = None
            if qmp2:
                self.qmp2_path = self.qmp_path + '2'
                self._args += ['-qmp',
                               'unix:%s,server,nowait' % self.qmp2_path]

        def launch(self):
            if self.qmp2_path and os.path.exists(self.qmp2_path):
                os.remove(self.qmp2_path)
            super().launch()
            self.mon._sock.settimeout(CFG['qmp_timeout'])
            return self

        def _cleanup(self):
            super()._cleanup()
            if self.qmp2_path and os.path.exists(self.qmp2_path):
                os.remove(self.qmp2_path)
    return BenchGuest


class Run(object):
    '''The guests and helpers of one run: all stopped at the end'''

    def __init__(self, build):
        self.build = build
        self.guests = []
        self.closers = []

    def guest(self, name, **kwargs):
        g = BenchGuest(self.build, name, **kwargs)
        self.guests.append(g)
        return g.launch()

    def pair(self, params, qmp2=False):
        '''A ready source and a destination waiting on tcp'''
        src = self.guest('src', qmp2=qmp2, **params)
        src.wait_ready(timeout=180)
        return src, self.destination(params)

    def destination(self, params):
        uri = 'tcp:127.0.0.1:%d' % migtest.free_tcp_port()
        return self.guest('dst', incoming=uri, **params), uri

    def logs(self):
        '''The end of what each QEMU printed, for a failure's detail'''
        return '; '.join('%s: %s' % (g.name, g.log().strip()[-300:])
                         for g in self.guests if g.log().strip())

    def close(self):
        for c in self.closers:
            c()
        for g in self.guests:
            g.kill()


def info_sample(t, info):
    '''The figures of one query-migrate answer that the report uses'''
    ram = info.get('ram', {})
    s = dict(t=round(t, 3), status=info.get('status'),
             transferred=ram.get('transferred'),
             remaining=ram.get('remaining'), total=ram.get('total'))
    for k in ('expected-downtime', 'downtime', 'total-time',
              'cpu-throttle-percent'):
        if k in info:
            s[k] = info[k]
    return s


def migrate(src, uri, limit, speed=UNLIMITED, downtime=None):
    '''Start a migration and poll query-migrate until it ends, or limit s
    pass (then cancel it), or the source's QMP stops answering.  Returns
    m: m.t0 (when migrate was sent), m.samples, m.info (the last answer),
    m.took (s from migrate to the first answer that shows the end, so to
    SAMPLE_INTERVAL), m.timed_out (cancelled at limit), m.hung (why QMP
    stopped answering, else None).'''
    m = types.SimpleNamespace(t0=time.monotonic(), samples=[], info={},
                              took=0.0, timed_out=False, hung=None,
                              stack=None)
    src.migrate(uri, speed=speed, downtime=downtime)
    try:
        while True:
            m.info = src.query_migrate()
            m.took = time.monotonic() - m.t0
            sample = info_sample(m.took, m.info)
            if sample['status'] == 'active':
                # The series' monitor answers while the thread writes the
                # last of the stream, with the VM stopped: say so
                sample['running'] = src.status() == 'running'
            m.samples.append(sample)
            if m.info.get('status') in ('completed', 'failed', 'cancelled'):
                return m
            if m.took > limit and not m.timed_out:
                m.timed_out = True
                src.command('migrate_cancel')
                limit = m.took + CFG['qmp_timeout']
            elif m.took > limit:
                raise BenchError('migration still %s %.0fs after '
                                 'migrate_cancel' % (m.info.get('status'),
                                                     CFG['qmp_timeout']))
            time.sleep(SAMPLE_INTERVAL)
    except socket.timeout:
        last = m.samples[-1] if m.samples else {}
        m.hung = ('the QMP monitor of the source did not answer for %gs, '
                  '%.1fs into the migration%s; last seen: %s, %d MiB '
                  'remaining' % (CFG['qmp_timeout'], m.took,
                                 ' (after migrate_cancel)' if m.timed_out
                                 else '', last.get('status'),
                                 (last.get('remaining') or 0) // MIB))
        m.stack = main_thread_stack(src.proc.pid)
        m.took = time.monotonic() - m.t0
        return m


def main_thread_stack(pid):
    '''The functions on the stack of QEMU's main thread (gdb), if any'''
    try:
        p = subprocess.run(['gdb', '-p', str(pid), '-batch', '-ex', 'bt 12'],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           universal_newlines=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    frames = []
    for line in p.stdout.splitlines():
        if line.startswith('#'):
            words = line.split()
            name = words[3] if len(words) > 3 and words[2] == 'in' else words[1]
            frames.append(name)
    return ' < '.join(frames) or None


def hung(sample, m):
    '''Record a migration whose source stopped answering QMP'''
    sample.update(status='failed', detail=m.hung, migration='unresponsive')
    if m.stack:
        sample['src_main_thread'] = m.stack
    return sample


def migration_outcome(sample, info, dst, t0):
    '''Record how a migration ended; check that the destination runs and
    when it did (it may still be loading the stream when the source says
    "completed")'''
    sample['migration'] = info.get('status')
    sample['downtime_ms'] = info.get('downtime')
    sample['qemu_total_time_ms'] = info.get('total-time')
    if info.get('status') != 'completed':
        sample['status'] = 'failed'
        sample['detail'] = 'migration %s' % info.get('status')
        return False
    migtest.wait_for(lambda: dst.proc.poll() is not None or
                     dst.status() != 'inmigrate', CFG['migrate_limit'],
                     'the destination to load the stream')
    sample['dst_running_s'] = round(time.monotonic() - t0, 2)
    if dst.proc.poll() is not None:
        sample['status'] = 'failed'
        sample['detail'] = ('destination exited (%s): %s'
                            % (dst.proc.returncode, dst.log()[-300:]))
        return False
    state = dst.status()
    if state != 'running':
        sample['status'] = 'failed'
        sample['detail'] = 'destination is %s, not running' % state
        return False
    return True


class CpuWatch(threading.Thread):
    '''The CPU time of every thread of the source and the destination
    QEMU, polled every CPU_POLL s from /proc; a thread's last reading
    stands for it once it is gone (the migration thread exits at the end)'''

    def __init__(self, src, dst):
        super().__init__(daemon=True)
        self.pids = dict(src=src.proc.pid, dst=dst.proc.pid)
        self.before = dict((k, self.read(pid)) for k, pid in self.pids.items())
        self.seen = dict((k, dict(v)) for k, v in self.before.items())
        self._stop_evt = threading.Event()

    @staticmethod
    def read(pid):
        '''{tid: CPU seconds} of the threads of process pid'''
        out = {}
        try:
            tids = os.listdir('/proc/%d/task' % pid)
        except OSError:
            return out
        for tid in tids:
            try:
                with open('/proc/%d/task/%s/stat' % (pid, tid)) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            out[int(tid)] = ((int(fields[11]) + int(fields[12])) /
                             os.sysconf('SC_CLK_TCK'))
        return out

    def run(self):
        while not self._stop_evt.is_set():
            for k, pid in self.pids.items():
                self.seen[k].update(self.read(pid))
            self._stop_evt.wait(CPU_POLL)

    def stop(self):
        self._stop_evt.set()
        self.join(5)

    def record(self, sample, transferred):
        '''CPU s per GiB transferred: each side's main thread, the threads
        the migration started (the source's migration thread), all'''
        gib = (transferred or 0) / (1024.0 * MIB)
        for k, pid in self.pids.items():
            before, seen = self.before[k], self.seen[k]
            main = seen.get(pid, 0) - before.get(pid, 0)
            born = sum(v for t, v in seen.items() if t not in before)
            total = sum(seen.values()) - sum(before.values())
            sample['%s_cpu_s' % k] = total
            if gib > 0:
                sample['%s_main_cpu_s_gib' % k] = main / gib
                sample['%s_new_threads_cpu_s_gib' % k] = born / gib
                sample['%s_cpu_s_gib' % k] = total / gib


def watch_cpu(run, src, dst):
    watch = CpuWatch(src, dst)
    run.closers.append(watch.stop)
    watch.start()
    return watch


def stop_cpu_watch(run, watch, sample, m):
    watch.stop()
    run.closers.remove(watch.stop)
    watch.record(sample, max([s['transferred'] or 0 for s in m.samples] +
                             [0]))


def completed(sample, m, dst):
    '''True if migration m (of migrate()) completed and dst runs; if not,
    record why in sample'''
    if m.hung:
        hung(sample, m)
        return False
    if m.timed_out:
        sample.update(status='failed', detail='not completed in %ds'
                      % CFG['migrate_limit'])
        return False
    if migration_outcome(sample, m.info, dst, m.t0):
        sample['total_s'] = round(m.took, 2)
        return True
    return False


def pct(values, p):
    '''The p-th percentile (nearest rank) of a non-empty list'''
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


# --- Scenario 1: idle big guest --------------------------------------------

def scenario_idle(run):
    params = dict(mode='idle', mb=16, base=16, ram=CFG['idle_ram'])
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', ram_mb=CFG['idle_ram'])
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(src, uri, CFG['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    completed(sample, m, dst)
    stop_cpu_watch(run, cpu, sample, m)
    return sample


# --- Scenarios 2 and 5: throughput, and QMP responsiveness meanwhile --------

class Pinger(threading.Thread):
    '''query-status every PING_INTERVAL on a second QMP connection;
    records (time sent, round trip) in seconds'''

    def __init__(self, path):
        super().__init__(daemon=True)
        self.mon = migtest.Monitor(path, timeout=CFG['qmp_timeout'])
        self.rtts = []
        self.error = None
        self.t0 = time.monotonic()
        self._stop_evt = threading.Event()

    def run(self):
        nxt = time.monotonic()
        while not self._stop_evt.is_set():
            sent = time.monotonic()
            try:
                self.mon.cmd('query-status')
            except Exception as err:      # noqa: recorded, not fatal
                self.error = '%s: %s' % (type(err).__name__, err)
                return
            self.rtts.append((sent - self.t0, time.monotonic() - sent))
            nxt += PING_INTERVAL
            delay = nxt - time.monotonic()
            if delay > 0:
                self._stop_evt.wait(delay)
            else:
                nxt = time.monotonic()

    def stop(self):
        self._stop_evt.set()
        self.join(CFG['qmp_timeout'] + 5)
        self.mon.close()


def start_pinger(run, src):
    '''Ping src's second QMP socket from now on, a few times at rest
    first; stop_pinger() reports the round trips'''
    pinger = Pinger(src.qmp2_path)
    run.closers.append(pinger.stop)
    pinger.start()
    time.sleep(0.5)
    return pinger


def stop_pinger(run, pinger, m, sample):
    '''Stop pinger; record in sample the QMP round trips of the pings
    sent while migration m (of migrate()) ran, and at rest before it'''
    t_mig = m.t0 - pinger.t0
    pinger.stop()
    run.closers.remove(pinger.stop)
    rtts = [r for t, r in pinger.rtts if t_mig <= t <= t_mig + m.took]
    idle = [r for t, r in pinger.rtts if t < t_mig]
    sample['rtt_ms'] = [round(r * 1000, 3) for r in rtts]
    if rtts:
        sample.update(rtt_p50_ms=pct(rtts, 50) * 1000,
                      rtt_p99_ms=pct(rtts, 99) * 1000,
                      rtt_max_ms=max(rtts) * 1000, pings=len(rtts))
    if idle:
        sample['rtt_idle_p50_ms'] = pct(idle, 50) * 1000
    if pinger.error:
        sample['ping_error'] = pinger.error


def set_capability(guest, name):
    '''Switch a migration capability of the series on; None if done, the
    'unsupported' sample to return if the build has no such capability'''
    try:
        guest.command('migrate-set-capabilities', capabilities=[
            {'capability': name, 'state': True}])
    except migtest.QMPError as err:
        return dict(status='unsupported',
                    detail='no %s capability: %s' % (name, err))
    return None


def fill_params(seed):
    return dict(mode='fill-then-halt', mb=CFG['fill_mb'], base=16,
                ram=CFG['fill_ram'], seed=seed)


def scenario_throughput(run, prefault=False):
    params = fill_params(2)
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', region_mb=CFG['fill_mb'])
    if prefault:
        # Set as the destination starts, as a user who sets it on every
        # destination would; the pinger's 0.5 s at rest give it a head
        # start.  v1.3.0 has no such capability.
        unsupported = set_capability(dst, 'prefault')
        if unsupported:
            return unsupported
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(src, uri, CFG['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    sample['series'] = [(s['t'], s['transferred']) for s in m.samples
                        if s['transferred'] is not None]
    if completed(sample, m, dst):
        sent = max(s['transferred'] or 0 for s in m.samples)
        sample.update(transferred=sent, mib_s=sent / MIB / m.took)
    stop_cpu_watch(run, cpu, sample, m)
    return sample


# --- Scenario 3: speed limit -------------------------------------------------

class Relay(object):
    '''Forward one TCP connection to host:port, counting the bytes'''

    def __init__(self, uri):
        host, port = uri.split(':')[1:]
        self._target = (host, int(port))
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(1)
        self._listener.settimeout(30)
        self.uri = 'tcp:127.0.0.1:%d' % self._listener.getsockname()[1]
        self.count = 0
        self._socks = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            conn = self._listener.accept()[0]
            self._socks.append(conn)
            conn.settimeout(CFG['qmp_timeout'])
            out = socket.create_connection(self._target, 30)
            self._socks.append(out)
            buf = bytearray(1 << 20)
            view = memoryview(buf)
            while True:
                n = conn.recv_into(buf)
                if not n:
                    break
                out.sendall(view[:n])
                self.count += n
        except OSError:
            pass

    def close(self):
        for s in [self._listener] + self._socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self._thread.join(10)


def measure_limit(run, src, params, limit):
    '''One migration at limit MiB/s, cancelled once measured'''
    dst, uri = run.destination(params)
    relay = Relay(uri)
    run.closers.append(relay.close)
    # A maximum downtime of 0 keeps the migration from completing while it
    # is measured (v1.3.0 may complete early under a limit, see case 055).
    src.migrate(relay.uri, speed=limit * MIB, downtime=0)
    t0 = time.monotonic()
    points = []
    end = CFG['settle'] + CFG['window']
    status = 'active'
    while time.monotonic() - t0 < end:
        info = src.query_migrate()
        t = time.monotonic() - t0
        status = info.get('status')
        if status != 'active':
            break
        if t >= CFG['settle']:
            points.append((t, info['ram']['transferred'], relay.count))
        time.sleep(SAMPLE_INTERVAL)
    src.command('migrate_cancel')
    migtest.wait_for(lambda: src.query_migrate().get('status') != 'active',
                     CFG['qmp_timeout'], 'migrate_cancel')
    relay.close()
    run.closers.remove(relay.close)
    dst.kill()
    res = {}
    if len(points) < 2:
        res['detail'] = ('migration %s after %.1fs, before the window'
                         % (status, time.monotonic() - t0))
        return res
    (t0_, b0, w0), (t1, b1, w1) = points[0], points[-1]
    res['rate_mib_s'] = (b1 - b0) / (t1 - t0_) / MIB
    res['wire_mib_s'] = (w1 - w0) / (t1 - t0_) / MIB
    res['ratio'] = res['rate_mib_s'] / limit
    res['wire_ratio'] = res['wire_mib_s'] / limit
    res['window_s'] = round(t1 - t0_, 2)
    if status != 'active':
        res['detail'] = 'migration %s during the window' % status
    return res


def scenario_speed_limit(run):
    params = fill_params(3)
    src = run.guest('src', **params)
    src.wait_ready(timeout=180)
    sample = dict(status='ok', region_mb=CFG['fill_mb'])
    for limit in CFG['limits']:
        res = measure_limit(run, src, params, limit)
        for k, v in res.items():
            sample['%s_%d' % (k, limit)] = v
        if 'ratio' not in res:
            sample['status'] = 'failed'
            sample['detail'] = '%d MiB/s: %s' % (limit, res['detail'])
    return sample


# --- Scenario 4 (and 5's guest stall): a dirtying guest ---------------------

class MarkerWatch(threading.Thread):
    '''Times the guest's "." markers: polls the size of its serial file
    (one byte per pass) every MARKER_POLL s'''

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.times = []
        self._stop_evt = threading.Event()

    def run(self):
        size = os.stat(self.path).st_size
        while not self._stop_evt.is_set():
            new = os.stat(self.path).st_size
            if new != size:
                self.times.append(time.monotonic())
                size = new
            time.sleep(MARKER_POLL)

    def stop(self):
        self._stop_evt.set()
        self.join(5)

    def gaps(self, start, end):
        '''The gaps (s) between markers from start to end, counting the
        time from start to the first marker'''
        ts = [start] + [t for t in self.times if start <= t <= end]
        return [b - a for a, b in zip(ts, ts[1:])]


def scenario_dirty(run, downtime, auto_converge=False):
    params = dict(mode='dirty', mb=CFG['dirty_mb'], base=16,
                  ram=CFG['dirty_ram'], seed=4)
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', region_mb=CFG['dirty_mb'],
                  downtime_set_ms=int((downtime or 0.03) * 1000))
    if auto_converge:
        unsupported = set_capability(src, 'auto-converge')
        if unsupported:
            return unsupported
    watch = MarkerWatch(src.serial_path)
    run.closers.append(watch.stop)
    watch.start()
    pinger = start_pinger(run, src)
    time.sleep(0.5)
    cpu = watch_cpu(run, src, dst)
    m = migrate(src, uri, CFG['converge_limit'], downtime=downtime)
    stop_pinger(run, pinger, m, sample)
    t_mig = m.t0
    base_gaps = watch.gaps(t_mig - 1.0, t_mig)[1:]
    watch.stop()
    run.closers.remove(watch.stop)
    sample['elapsed_s'] = round(m.took, 2)
    active = [s for s in m.samples if s['status'] == 'active']
    sample['series'] = [(s['t'], s['transferred'], s['remaining'],
                         s.get('expected-downtime')) for s in active]
    # The guest's passes: at rest, and the longest gap while migrating,
    # up to the last answer that showed the migration active and the VM
    # running (the downtime is not a stall of the live migration).
    if base_gaps:
        sample['pass_idle_ms'] = statistics.median(base_gaps) * 1000
    live = [s for s in active if s.get('running', True)]
    t_last_active = t_mig + (live[-1]['t'] if live else 0)
    gaps = watch.gaps(t_mig, t_last_active)
    if gaps:
        sample['stall_max_ms'] = max(gaps) * 1000
        sample['passes'] = len(gaps)
        # What the guest got done meanwhile: a build that sends faster by
        # keeping the guest off the CPU shows it here
        if t_last_active > t_mig:
            sample['guest_mib_s'] = (len(gaps) * CFG['dirty_mb'] /
                                     (t_last_active - t_mig))
    throttles = [s['cpu-throttle-percent'] for s in active
                 if 'cpu-throttle-percent' in s]
    if throttles:
        sample['throttle_max'] = max(throttles)
    if active:
        last = active[-1]
        sample['expected_downtime_ms'] = last.get('expected-downtime')
        if last['transferred']:
            sample['bytes_s'] = last['transferred'] / max(last['t'], 0.1)
            sample['mib_s'] = sample['bytes_s'] / MIB
        # Each dirty bitmap sync makes ram.remaining jump up: count the
        # jumps seen between two samples (a lower bound of the iterations)
        syncs = sum(1 for a, b in zip(active, active[1:])
                    if b['remaining'] > a['remaining'])
        sample['syncs_seen'] = syncs
        sample['mib_per_iteration'] = (last['transferred'] / MIB /
                                       (syncs + 1))
    if m.hung:
        # Did the guest run on meanwhile (only the monitor stuck)?
        t_hang = t_mig + (active[-1]['t'] if active else 0)
        sample['guest_passes_while_hung'] = len(
            [t for t in watch.times if t > t_hang + 1.0])
        return hung(sample, m)
    if m.timed_out:
        sample['converged'] = False
        sample['migration'] = m.info.get('status')
        sample['detail'] = 'did not converge in %ds' % CFG['converge_limit']
        return sample
    sample['converged'] = migration_outcome(sample, m.info, dst, t_mig)
    stop_cpu_watch(run, cpu, sample, m)
    if sample['converged']:
        sample['total_s'] = round(m.took, 2)
        # A build that reports the estimate completion was decided on
        # (the series does) is compared with it, not with the last polled
        if m.info.get('expected-downtime') is not None:
            sample['expected_downtime_ms'] = m.info['expected-downtime']
    if sample['converged'] and sample.get('expected_downtime_ms'):
        sample['downtime_over_expected'] = (sample['downtime_ms'] /
                                            sample['expected_downtime_ms'])
    return sample


# --- Scenario 6: what the machine can do -----------------------------------

def _tcp_receiver(conn, total):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * MIB)
    lsock.bind(('127.0.0.1', 0))
    lsock.listen(1)
    lsock.settimeout(30)
    conn.send(lsock.getsockname()[1])
    s = lsock.accept()[0]
    s.settimeout(60)
    buf = bytearray(4 * MIB)
    got = s.recv_into(buf)
    t0 = time.monotonic()
    while got < total:
        n = s.recv_into(buf)
        if not n:
            break
        got += n
    conn.send((got, time.monotonic() - t0))
    s.close()


def loopback_tcp(total):
    '''MiB/s from one process to another over 127.0.0.1, 1 MiB sends'''
    ctx = multiprocessing.get_context('fork')
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_tcp_receiver, args=(child, total))
    proc.start()
    try:
        if not parent.poll(30):
            raise BenchError('loopback receiver did not start')
        s = socket.create_connection(('127.0.0.1', parent.recv()), 30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * MIB)
        s.settimeout(60)
        chunk = memoryview(os.urandom(MIB))
        for _ in range(total // MIB):
            s.sendall(chunk)
        s.close()
        if not parent.poll(120):
            raise BenchError('loopback receiver did not finish')
        got, took = parent.recv()
        if got < total:
            raise BenchError('loopback: %d of %d bytes' % (got, total))
        return got / MIB / took
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def memcpy_rate(mb, reps):
    '''MiB/s of one thread copying mb MiB (bytearray slice assignment,
    which is a memcpy) reps times; the best'''
    src = bytearray(b'\xa5') * (mb * MIB)
    dst = bytearray(mb * MIB)
    dst[:] = src                 # fault the pages in first
    best = None
    for _ in range(reps):
        t0 = time.perf_counter()
        dst[:] = src
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return mb / best


def scenario_limits():
    return dict(status='ok',
                tcp_mib_s=loopback_tcp(CFG['tcp_bytes']),
                memcpy_mib_s=memcpy_rate(CFG['memcpy_mb'],
                                         CFG['memcpy_reps']))


# --- Driver ------------------------------------------------------------------

# --- Scenario 7: a real link between two network namespaces ----------------

class LinkUnavailable(Exception):
    pass


def _sh(*args, netns=None):
    '''Run ip or tc (in netns, if given); raise LinkUnavailable with what
    it printed if it fails'''
    cmd = (['ip', 'netns', 'exec', netns] if netns else []) + list(args)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise LinkUnavailable('%s: %s' % (' '.join(cmd), err))
    if p.returncode != 0:
        raise LinkUnavailable('%s: %s' % (' '.join(cmd), p.stdout.strip()))
    return p.stdout


class NetLink(object):
    '''A veth pair from this host to a network namespace of its own, its
    host end shaped to rate_mbit: tc netem with half the round trip of
    delay on each end, where the kernel has netem; else tc tbf, and no
    delay (self.rtt_ms is None then).  The destination runs in the
    namespace (self.wrapper), the source here; what the source sends is
    what is shaped.  Raises LinkUnavailable, saying why, where it cannot
    be built (not root, no ip or tc, no veth).'''

    def __init__(self, rate_mbit, rtt_ms):
        if os.geteuid() != 0:
            raise LinkUnavailable('needs root (network namespaces, tc)')
        tag = os.getpid() % 100000
        self.netns = 'migbench-%d' % tag
        self.host_if, self.ns_if = 'mbh%d' % tag, 'mbn%d' % tag
        net = '10.213.%d' % (tag % 250)
        self.host_ip, self.ns_ip = net + '.1', net + '.2'
        self.rate_mbit, self.rtt_ms = rate_mbit, rtt_ms
        self.wrapper = ('ip', 'netns', 'exec', self.netns)
        self.shaping = None
        try:
            self._build()
        except LinkUnavailable:
            self.close()
            raise

    def _build(self):
        _sh('ip', 'netns', 'add', self.netns)
        _sh('ip', 'link', 'add', self.host_if, 'type', 'veth', 'peer',
            'name', self.ns_if)
        _sh('ip', 'link', 'set', self.ns_if, 'netns', self.netns)
        _sh('ip', 'addr', 'add', self.host_ip + '/24', 'dev', self.host_if)
        _sh('ip', 'link', 'set', self.host_if, 'up')
        _sh('ip', 'addr', 'add', self.ns_ip + '/24', 'dev', self.ns_if,
            netns=self.netns)
        _sh('ip', 'link', 'set', self.ns_if, 'up', netns=self.netns)
        _sh('ip', 'link', 'set', 'lo', 'up', netns=self.netns)
        half = '%gms' % (self.rtt_ms / 2.0)
        rate = '%dmbit' % self.rate_mbit
        try:
            _sh('tc', 'qdisc', 'add', 'dev', self.host_if, 'root', 'netem',
                'delay', half, 'rate', rate, 'limit', '100000')
            _sh('tc', 'qdisc', 'add', 'dev', self.ns_if, 'root', 'netem',
                'delay', half, 'limit', '100000', netns=self.netns)
            self.shaping = 'netem'
        except LinkUnavailable as err:
            if 'unknown' not in str(err).lower():
                raise
            # No netem in this kernel: the rate only.  The bucket must
            # hold a 64 KiB GSO packet and 2 ms of the rate.
            burst = max(256 * 1024, self.rate_mbit * 1000 * 1000 // 8 // 500)
            _sh('tc', 'qdisc', 'add', 'dev', self.host_if, 'root', 'tbf',
                'rate', rate, 'burst', str(burst), 'latency', '20ms')
            self.shaping = 'tbf (no netem in this kernel: no delay)'
            self.rtt_ms = None

    def close(self):
        for args in (('ip', 'netns', 'del', self.netns),
                     ('ip', 'link', 'del', self.host_if)):
            try:
                _sh(*args)
            except LinkUnavailable:
                pass


def scenario_link(run, rate_mbit):
    try:
        link = NetLink(rate_mbit, CFG['link_rtt_ms'])
    except LinkUnavailable as err:
        return dict(status='skipped', detail=str(err))
    run.closers.append(link.close)
    params = dict(mode='fill-then-halt', mb=CFG['link_mb'], base=16,
                  ram=CFG['link_ram'], seed=7)
    src = run.guest('src', qmp2=True, **params)
    src.wait_ready(timeout=180)
    uri = 'tcp:%s:%d' % (link.ns_ip, migtest.free_tcp_port())
    dst = run.guest('dst', incoming=uri, wrapper=link.wrapper, **params)
    sample = dict(status='ok', region_mb=CFG['link_mb'], rate_mbit=rate_mbit,
                  rtt_ms=link.rtt_ms, shaping=link.shaping)
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(src, uri, CFG['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    if completed(sample, m, dst):
        sent = max(s['transferred'] or 0 for s in m.samples)
        # The source's own measure of its time, not the polling's
        took = (m.info.get('total-time') or m.took * 1000) / 1000.0
        sample.update(transferred=sent, mib_s=sent / MIB / took,
                      link_use_pct=100.0 * sent * 8 /
                      (rate_mbit * 1e6 * took))
    stop_cpu_watch(run, cpu, sample, m)
    return sample


SCENARIOS = [
    ('idle', '1. idle guest, -m %(idle_ram)d', scenario_idle),
    ('throughput', '2+5. %(fill_mb)d MiB incompressible, unlimited speed',
     scenario_throughput),
    # The series' prefault capability on the destination ('unsupported'
    # on v1.3.0)
    ('throughput_prefault', '2. %(fill_mb)d MiB incompressible, unlimited '
     'speed, destination prefault', lambda run: scenario_throughput(run,
                                                                    True)),
    ('speed_limit', '3. speed limit, %(fill_mb)d MiB incompressible',
     scenario_speed_limit),
    ('dirty_default', '4. %(dirty_mb)d MiB dirtied, max downtime 30 ms',
     lambda run: scenario_dirty(run, None)),
    # 300 ms: ten times the default; what a user would try first when a
    # migration does not converge
    ('dirty_300ms', '4. %(dirty_mb)d MiB dirtied, max downtime 300 ms',
     lambda run: scenario_dirty(run, 0.3)),
    # The series' auto-converge capability; v1.3.0 has none ('unsupported')
    ('dirty_autoconverge', '4. %(dirty_mb)d MiB dirtied, max downtime 30 ms, '
     'auto-converge', lambda run: scenario_dirty(run, None, True)),
    # A veth pair between network namespaces, shaped with tc (root only;
    # 'skipped' otherwise, saying why)
    ('link_1g', '7. %(link_mb)d MiB incompressible over a 1 Gbit/s link',
     lambda run: scenario_link(run, 1000)),
    ('link_10g', '7. %(link_mb)d MiB incompressible over a 10 Gbit/s link',
     lambda run: scenario_link(run, 10000)),
]


def one_run(name, fn, build, rnd):
    build.wait_built()
    stamp = build.stamp()
    run = Run(build)
    t0 = time.monotonic()
    try:
        sample = fn(run)
    except migtest.Timeout as err:
        sample = dict(status='failed', detail='timeout: %s' % err)
    except (socket.timeout, TimeoutError) as err:
        sample = dict(status='failed',
                      detail='QMP did not answer within %ds (%s)'
                      % (CFG['qmp_timeout'], err))
    except migtest.QMPError as err:
        sample = dict(status='failed', detail='QMP: %s; %s'
                      % (err, run.logs()))
    except Exception as err:        # noqa: recorded as a harness error
        sample = dict(status='error', detail='%s: %s' % (
            type(err).__name__, err), traceback=traceback.format_exc())
    finally:
        run.close()
    sample.update(round=rnd, wall_s=round(time.monotonic() - t0, 1),
                  qemu_stamp=stamp)
    if build.stamp() != stamp:
        sample['note'] = 'the binary was rebuilt during the run'
    return sample


def describe_sample(s):
    keys = ('total_s', 'dst_running_s', 'mib_s', 'ratio_40', 'ratio_200',
            'rtt_p99_ms', 'stall_max_ms', 'downtime_ms', 'converged',
            'link_use_pct',
            'tcp_mib_s', 'memcpy_mib_s')
    parts = []
    for k in keys:
        if k in s and s[k] is not None:
            v = s[k]
            parts.append('%s=%s' % (k, ('%.2f' % v) if isinstance(v, float)
                                    else v))
    return '%s %s%s' % (s['status'], ' '.join(parts),
                        (' (%s)' % s['detail']) if s.get('detail') else '')


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=os.path.join(TOP, 'build', 'bench'))
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--rounds', type=int)
    ap.add_argument('--variants', default=','.join(VARIANTS))
    ap.add_argument('--only', help='comma-separated scenario names')
    args = ap.parse_args()
    global CFG, migtest, BenchGuest
    CFG = dict(QUICK if args.quick else FULL)
    if args.rounds:
        CFG['rounds'] = args.rounds
    variants = args.variants.split(',')
    only = args.only.split(',') if args.only else None
    mt = import_migtest(args.out)
    BenchGuest = make_guest_class(mt)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *a: sys.exit(130))

    start = time.monotonic()
    meta = collect_meta(args, variants, mt)
    log('accelerator: %s (%s); rounds: %d; %s'
        % (mt.accel, meta['accel_why'], CFG['rounds'],
           'QUICK mode' if args.quick else 'full run'))
    results = dict(meta=meta, config=CFG, scenarios={})

    if not only or 'limits' in only:
        res = results['scenarios']['limits'] = dict(machine=[])
        for i in range(CFG['limit_reps']):
            log('limits: loopback TCP %d MiB, memcpy %d MiB (%d/%d)'
                % (CFG['tcp_bytes'] // MIB, CFG['memcpy_mb'], i + 1,
                   CFG['limit_reps']))
            try:
                s = scenario_limits()
            except Exception as err:        # noqa: a harness error
                s = dict(status='error', detail='%s: %s'
                         % (type(err).__name__, err))
            res['machine'].append(s)
            log('limits: %s' % describe_sample(s))

    for name, title, fn in SCENARIOS:
        if only and name not in only:
            continue
        res = results['scenarios'][name] = dict((v, []) for v in variants)
        for rnd in range(1, CFG['rounds'] + 1):
            for v in variants:
                log('%s: %s, round %d/%d' % (name, v, rnd, CFG['rounds']))
                s = one_run(name, fn, Build(v), rnd)
                res[v].append(s)
                log('%s: %s round %d: %s (%.0fs)'
                    % (name, v, rnd, describe_sample(s), s['wall_s']))
                save(args.out, results)

    meta['wall_s'] = round(time.monotonic() - start, 1)
    meta['loadavg_end'] = os.getloadavg()
    save(args.out, results)
    write_report(args.out, results)
    problems = find_problems(results)
    for p in problems:
        log('problem: %s' % p)
    log('report: %s (%.0fs)' % (os.path.join(args.out, 'report.md'),
                                meta['wall_s']))
    if problems and args.quick:
        return 1
    return 0


# --- Report -----------------------------------------------------------------

# The monitor's round trips, measured in every migration scenario
# CPU time per GiB of RAM transferred, measured in every migration scenario
CPU_ROWS = [('source CPU, main thread (s/GiB)', 'src_main_cpu_s_gib',
             '%.2f'),
            ('source CPU, migration thread (s/GiB)',
             'src_new_threads_cpu_s_gib', '%.2f'),
            ('source CPU, all threads (s/GiB)', 'src_cpu_s_gib', '%.2f'),
            ('destination CPU, main thread (s/GiB)', 'dst_main_cpu_s_gib',
             '%.2f'),
            ('destination CPU, all threads (s/GiB)', 'dst_cpu_s_gib',
             '%.2f')]

QMP_ROWS = [('QMP round trip p50 (ms)', 'rtt_p50_ms', '%.2f'),
            ('QMP round trip p99 (ms)', 'rtt_p99_ms', '%.1f'),
            ('QMP round trip max (ms)', 'rtt_max_ms', '%.1f'),
            ('QMP round trip p50 at rest (ms)', 'rtt_idle_p50_ms', '%.2f')]

# Per scenario: (metric, key of the samples, format)
METRICS = {
    # An idle guest's stream is mostly zero-page headers: CPU per GiB of
    # it says little, the CPU time itself does
    'idle': [('total time, source (s)', 'total_s', '%.1f'),
             ('until the destination runs (s)', 'dst_running_s', '%.1f'),
             ('downtime reported (ms)', 'downtime_ms', '%.0f'),
             ('source CPU, all threads (s)', 'src_cpu_s', '%.2f'),
             ('destination CPU, all threads (s)', 'dst_cpu_s', '%.2f')] +
            QMP_ROWS,
    'throughput': [('total time, source (s)', 'total_s', '%.1f'),
                   ('until the destination runs (s)', 'dst_running_s',
                    '%.1f'),
                   ('throughput (MiB/s)', 'mib_s', '%.0f'),
                   ('downtime (ms)', 'downtime_ms', '%.0f')] + QMP_ROWS +
                  CPU_ROWS,
    'speed_limit': [],          # filled in from CFG['limits']
    'link': [('total time, source (s)', 'total_s', '%.1f'),
             ('until the destination runs (s)', 'dst_running_s', '%.1f'),
             ('throughput (MiB/s)', 'mib_s', '%.0f'),
             ('link use: guest RAM bytes sent / link rate (%)',
              'link_use_pct', '%.0f'),
             ('downtime (ms)', 'downtime_ms', '%.0f')] + QMP_ROWS +
            CPU_ROWS,
    'dirty': [('total time, converged runs (s)', 'total_s', '%.1f'),
              ('downtime (ms)', 'downtime_ms', '%.0f'),
              ('expected-downtime at completion, else last polled (ms)',
               'expected_downtime_ms', '%.0f'),
              ('downtime / expected-downtime', 'downtime_over_expected',
               '%.2f'),
              ('rate while active (MiB/s)', 'mib_s', '%.0f'),
              ('guest writes while active (MiB/s)', 'guest_mib_s', '%.0f'),
              ('dirty-bitmap syncs seen', 'syncs_seen', '%.0f'),
              ('MiB sent per iteration (approx.)', 'mib_per_iteration',
               '%.0f'),
              ('guest stall: longest gap between passes (ms)',
               'stall_max_ms', '%.0f'),
              ('guest pass time before the migration (ms)', 'pass_idle_ms',
               '%.1f'),
              ('auto-converge: highest vCPU throttle seen (%)',
               'throttle_max', '%.0f')] + QMP_ROWS + CPU_ROWS,
}


def metrics_of(name):
    if name.startswith('dirty'):
        return METRICS['dirty']
    if name.startswith('link'):
        return METRICS['link']
    if name.startswith('throughput'):
        return METRICS['throughput']
    if name == 'speed_limit':
        rows = []
        for lim in CFG['limits']:
            rows += [('%d MiB/s: query-migrate rate / set rate' % lim,
                      'ratio_%d' % lim, '%.2f'),
                     ('%d MiB/s: rate on the wire / set rate' % lim,
                      'wire_ratio_%d' % lim, '%.2f')]
        return rows
    return METRICS[name]


def values(samples, key):
    return [s[key] for s in samples if s['status'] == 'ok' and
            isinstance(s.get(key), (int, float)) and
            not isinstance(s.get(key), bool)]


def summary(vals, fmt):
    if not vals:
        return '-'
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med
    return '%s [%s–%s]' % (fmt % med, fmt % min(vals), fmt % max(vals))


def outcome(name, samples):
    for why in ('unsupported', 'skipped'):
        if samples and all(s['status'] == why for s in samples):
            return '%s: %s' % (why, samples[0]['detail'])
    ok = [s for s in samples if s['status'] == 'ok']
    text = '%d/%d ok' % (len(ok), len(samples))
    if name.startswith('dirty'):
        text = '%d/%d converged' % (sum(1 for s in ok if s.get('converged')),
                                    len(samples))
    bad = len(samples) - len(ok)
    if name.startswith('dirty') and bad:
        text += ', %d failed' % bad
    return text


def find_problems(results):
    '''Harness errors, and scenarios that gave no sample'''
    out = []
    for name, res in results['scenarios'].items():
        for v, samples in res.items():
            for s in samples:
                if s['status'] == 'error':
                    out.append('%s/%s round %s: harness error: %s'
                               % (name, v, s.get('round', '-'), s['detail']))
            if samples and all(s['status'] in ('unsupported', 'skipped')
                               for s in samples):
                continue
            if not any(s['status'] == 'ok' for s in samples):
                out.append('%s/%s: no sample' % (name, v))
    return out


def write_report(out, results):
    meta = results['meta']
    sc = results['scenarios']
    variants = [v for v in VARIANTS if v in meta['builds']]
    lines = ['# Migration benchmarks: %s' % ' vs '.join(variants), '',
             '- date: %s; wall time of the run: %.0f s (%.1f min)'
             % (meta['date'], meta['wall_s'], meta['wall_s'] / 60),
             '- machine: %s, %d CPUs (nproc), %s GiB RAM, Linux %s'
             % (meta['cpu'], meta['nproc'], meta['mem_gib'], meta['kernel']),
             '- load average at start / end: %s / %s'
             % (' '.join('%.2f' % x for x in meta['loadavg_start']),
                ' '.join('%.2f' % x for x in meta['loadavg_end'])),
             '- accelerator: **%s** (%s)' % (meta['accel'].upper(),
                                              meta['accel_why']),
             '- QEMU: %s (%s); project %s'
             % (meta['qemu_version'], meta['qemu_commit'], meta['project'])]
    for v in variants:
        b = meta['builds'][v]
        lines.append('  - %s: %d patches, top %s' % (v, b['patches'],
                                                      b['top']))
    lines.append('- rounds: %d per scenario and build, interleaved '
                 '(%s, %s, ...)%s' % (meta['rounds'], ', '.join(variants),
                                      ', '.join(variants),
                                      '; **QUICK mode: small sizes, the '
                                      'numbers mean nothing**'
                                      if meta['quick'] else ''))
    lines.append('- sizes: idle guest -m %d; fill %d MiB; dirtied %d MiB; '
                 'convergence bound %ds; QMP answers awaited %ds'
                 % (CFG['idle_ram'], CFG['fill_mb'], CFG['dirty_mb'],
                    CFG['converge_limit'], CFG['qmp_timeout']))
    if not meta['quick'] and CFG['idle_ram'] != 8192:
        lines.append('- **scaled down**: scenario 1 uses -m %d, not the '
                     '-m 8192 of issue #5: under TCG on this machine one '
                     '8 GiB idle migration took 130-146 s (the destination '
                     'memsets and madvises every zero page), six of them '
                     'half the time budget. BENCH_IDLE_RAM=8192 restores it.'
                     % CFG['idle_ram'])
    lines += ['', 'Medians of the runs that did not fail, [min–max]; ratio '
              '= patched / pristine median.', '',
              '| scenario | metric | %s | ratio |'
              % ' | '.join(variants),
              '|---|---|%s---|' % ('---|' * len(variants))]
    titles = dict((n, t % CFG) for n, t, _ in SCENARIOS)
    for name in [n for n, _, _ in SCENARIOS if n in sc]:
        res = sc[name]
        lines.append('| %s | runs | %s | |' % (
            titles[name], ' | '.join(outcome(name, res[v])
                                     for v in variants)))
        for label, key, fmt in metrics_of(name):
            vals = dict((v, values(res[v], key)) for v in variants)
            if not any(vals.values()):
                continue
            ratio = ''
            if len(variants) == 2 and all(vals.values()):
                a, b = (statistics.median(vals[v]) for v in variants)
                ratio = '%.2f' % (b / a) if a else ''
            lines.append('| | %s | %s | %s |' % (label, ' | '.join(
                summary(vals[v], fmt) for v in variants), ratio))
    machine = [s for s in sc.get('limits', {}).get('machine', [])
               if s['status'] == 'ok']
    if machine:
        tcp = [s['tcp_mib_s'] for s in machine]
        mem = [s['memcpy_mib_s'] for s in machine]
        lines.append('| 6. limits of the machine | loopback TCP, 2 '
                     'processes (MiB/s) | %s | |'
                     % ' | '.join([summary(tcp, '%.0f')] * len(variants)))
        lines.append('| | memcpy, 1 thread (MiB/s) | %s | |'
                     % ' | '.join([summary(mem, '%.0f')] * len(variants)))
        tp = sc.get('throughput', {})
        lines.append('| | scenario 2 throughput / loopback TCP | %s | |'
                     % ' | '.join(summary([x / statistics.median(tcp)
                                           for x in values(tp.get(v, []),
                                                           'mib_s')],
                                          '%.2f') for v in variants))
    lines += ['', '## Runs that failed or did not converge', '']
    n = 0
    for name, res in sc.items():
        for v, samples in res.items():
            for s in samples:
                if s['status'] != 'ok' or s.get('converged') is False:
                    n += 1
                    lines.append('- %s, %s, round %s: %s: %s'
                                 % (name, v, s.get('round', '-'),
                                    'cancelled' if s['status'] == 'ok'
                                    else s['status'], s.get('detail', '')))
                    if s.get('src_main_thread'):
                        lines.append('  - source main thread (gdb): %s'
                                     % s['src_main_thread'])
                if s.get('note'):
                    lines.append('- %s, %s, round %s: note: %s'
                                 % (name, v, s.get('round'), s['note']))
    if not n:
        lines.append('None.')
    lines += ['', '## Plots', '',
              '- throughput.png: ram.transferred over time in scenario 2, '
              'every run of both builds (query-migrate every %d ms)'
              % (SAMPLE_INTERVAL * 1000),
              '- qmp-rtt.png: distribution (CDF) of the query-status round '
              'trips during the scenario 2 migrations, both builds', '',
              'What each figure means: README, section "Benchmarks". '
              'Every sample: results.json.', '']
    with open(os.path.join(out, 'report.md'), 'w') as f:
        f.write('\n'.join(lines))
    plot(out, sc.get('throughput', {}), variants)


COLORS = {'pristine': '#d62728', 'patched': '#1f77b4'}


def plot(out, tp, variants):
    '''throughput.png and qmp-rtt.png, with gnuplot'''
    if not any(tp.get(v) for v in variants):
        return
    data = os.path.join(out, 'plot-data')
    os.makedirs(data, exist_ok=True)
    curves, cdfs = [], []
    for v in variants:
        rtts = []
        for s in tp.get(v, []):
            if not s.get('series'):
                continue
            path = os.path.join(data, 'transferred-%s-%d.dat' % (v, s['round']))
            with open(path, 'w') as f:
                for t, b in s['series']:
                    f.write('%.3f %.3f\n' % (t, b / MIB))
            curves.append("'%s' using 1:2 with lines lw 2 lc rgb '%s' "
                          "title '%s, round %d%s'"
                          % (path, COLORS.get(v, 'black'), v, s['round'],
                             '' if s['status'] == 'ok' else ' (failed)'))
            rtts += s.get('rtt_ms', [])
        if rtts:
            rtts.sort()
            path = os.path.join(data, 'rtt-cdf-%s.dat' % v)
            with open(path, 'w') as f:
                for i, r in enumerate(rtts):
                    f.write('%.3f %.5f\n' % (max(r, 0.001),
                                              (i + 1) / len(rtts)))
            cdfs.append("'%s' using 1:2 with lines lw 2 lc rgb '%s' "
                        "title '%s (%d pings)'"
                        % (path, COLORS.get(v, 'black'), v, len(rtts)))
    script = ["set terminal pngcairo size 1000,600",
              "set grid", "set key left top"]
    if curves:
        script += ["set output '%s'" % os.path.join(out, 'throughput.png'),
                   "set title 'Scenario 2: %d MiB incompressible, unlimited "
                   "speed (%s)'" % (CFG['fill_mb'], migtest.accel.upper()),
                   "set xlabel 'seconds since migrate'",
                   "set ylabel 'ram.transferred (MiB)'",
                   "plot " + ', '.join(curves)]
    if cdfs:
        script += ["set output '%s'" % os.path.join(out, 'qmp-rtt.png'),
                   "set title 'Scenario 5: query-status round trips during "
                   "the scenario 2 migrations'",
                   "set logscale x", "set key right bottom",
                   "set xlabel 'round trip (ms, log scale)'",
                   "set ylabel 'fraction of pings'",
                   "plot [][0:1] " + ', '.join(cdfs)]
    try:
        p = subprocess.run(['gnuplot'], input='\n'.join(script) + '\n',
                           universal_newlines=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        if p.returncode:
            log('gnuplot failed: %s' % p.stdout.strip()[-300:])
    except (OSError, subprocess.TimeoutExpired) as err:
        log('no plots: gnuplot: %s (scripts/deps.sh bench installs it)' % err)


def save(out, results):
    tmp = os.path.join(out, 'results.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=1, default=str)
    os.replace(tmp, os.path.join(out, 'results.json'))


def collect_meta(args, variants, mt):
    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    if os.environ.get('MIGTEST_ACCEL'):
        why = 'MIGTEST_ACCEL'
    elif mt.accel == 'kvm':
        why = '/dev/kvm'
    else:
        why = '/dev/kvm missing or not usable'
    conf = {}
    with open(os.path.join(TOP, 'upstream.conf')) as f:
        for line in f:
            if '=' in line and not line.startswith('#'):
                k, v = line.strip().split('=', 1)
                conf[k] = v
    builds = {}
    for v in variants:
        series = os.path.join(TOP, 'build', 'src', v + '.series')
        try:
            with open(series) as f:
                patches = [p.strip() for p in f if p.strip()]
        except OSError:
            patches = []
        builds[v] = dict(patches=len(patches),
                         top=patches[-1] if patches else None,
                         qemu=Build(v).qemu)
    head = subprocess.run(['git', '-C', TOP, 'describe', '--always',
                           '--dirty'], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL,
                          universal_newlines=True).stdout.strip()
    return dict(date=datetime.datetime.now().astimezone().isoformat(
                    timespec='seconds'),
                host=platform.node(), nproc=os.cpu_count(), cpu=cpu,
                mem_gib=round(os.sysconf('SC_PAGE_SIZE') *
                              os.sysconf('SC_PHYS_PAGES') / 2 ** 30, 1),
                kernel=platform.release(), accel=mt.accel, accel_why=why,
                quick=args.quick, rounds=CFG['rounds'],
                qemu_version=conf.get('QEMU_VERSION'),
                qemu_commit=conf.get('QEMU_COMMIT'), project=head,
                builds=builds, loadavg_start=os.getloadavg(),
                python=platform.python_version())


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
