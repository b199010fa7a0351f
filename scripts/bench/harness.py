# scripts/bench/harness.py: what every benchmark scenario stands on: the
# sizes of a full and of a QUICK run, the builds under test, the guests of
# a run (all killed at its end), a migration polled to its end, the CPU
# and QMP measurements taken meanwhile, one run of a scenario recorded
# as a sample, and the run's metadata.  State shared by a run of the
# benchmarks (its settings, migtest.py of the patched tree, the guest
# class built on it) is a Context, passed along; nothing is rebound at
# module level.

import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lib                  # noqa: E402 (BUILD, the pin, as lib.sh has them)

TOP = lib.TOP
MIB = 1024 * 1024
UNLIMITED = 1 << 40          # migrate_set_speed: 1 TiB/s, i.e. no limit
VARIANTS = ('baseline', 'patched')

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
    sys.path.insert(0, lib.build_dir('src', 'patched', 'tests',
                                     'qemu-iotests'))
    import migtest
    return migtest


class Build(object):
    '''build/obj/VARIANT: its QEMU and test guest'''

    def __init__(self, variant):
        self.variant = variant
        obj = lib.build_dir('obj', variant)
        self.qemu = lib.qemu_system(obj)
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


def make_guest_class(ctx):
    class BenchGuest(ctx.mt.Guest):
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
            self.mon._sock.settimeout(ctx.cfg['qmp_timeout'])
            return self

        def _cleanup(self):
            super()._cleanup()
            if self.qmp2_path and os.path.exists(self.qmp2_path):
                os.remove(self.qmp2_path)
    return BenchGuest


class Context(object):
    '''What a run of the benchmarks shares: its settings (cfg: FULL or
    QUICK, with --rounds), the folder of its results (out), migtest.py of
    the patched tree (mt) and the guest class built on it (Guest)'''

    def __init__(self, cfg, out):
        self.cfg = cfg
        self.out = out
        self.mt = import_migtest(out)
        self.Guest = make_guest_class(self)


class Run(object):
    '''The guests and helpers of one run: all stopped at the end'''

    def __init__(self, ctx, build):
        self.ctx = ctx
        self.build = build
        self.guests = []
        self.closers = []

    def guest(self, name, **kwargs):
        g = self.ctx.Guest(self.build, name, **kwargs)
        self.guests.append(g)
        return g.launch()

    def pair(self, params, qmp2=False):
        '''A ready source and a destination waiting on tcp'''
        src = self.guest('src', qmp2=qmp2, **params)
        src.wait_ready(timeout=180)
        return src, self.destination(params)

    def destination(self, params):
        uri = 'tcp:127.0.0.1:%d' % self.ctx.mt.free_tcp_port()
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


def migrate(ctx, src, uri, limit, speed=UNLIMITED, downtime=None):
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
                limit = m.took + ctx.cfg['qmp_timeout']
            elif m.took > limit:
                raise BenchError('migration still %s %.0fs after '
                                 'migrate_cancel' % (m.info.get('status'),
                                                     ctx.cfg['qmp_timeout']))
            time.sleep(SAMPLE_INTERVAL)
    except socket.timeout:
        last = m.samples[-1] if m.samples else {}
        m.hung = ('the QMP monitor of the source did not answer for %gs, '
                  '%.1fs into the migration%s; last seen: %s, %d MiB '
                  'remaining' % (ctx.cfg['qmp_timeout'], m.took,
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


def migration_outcome(ctx, sample, info, dst, t0):
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
    ctx.mt.wait_for(lambda: dst.proc.poll() is not None or
                    dst.status() != 'inmigrate', ctx.cfg['migrate_limit'],
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


def completed(ctx, sample, m, dst):
    '''True if migration m (of migrate()) completed and dst runs; if not,
    record why in sample'''
    if m.hung:
        hung(sample, m)
        return False
    if m.timed_out:
        sample.update(status='failed', detail='not completed in %ds'
                      % ctx.cfg['migrate_limit'])
        return False
    if migration_outcome(ctx, sample, m.info, dst, m.t0):
        sample['total_s'] = round(m.took, 2)
        return True
    return False


def pct(values, p):
    '''The p-th percentile (nearest rank) of a non-empty list'''
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]




# --- QMP responsiveness: a second monitor, pinged during a migration -------

class Pinger(threading.Thread):
    '''query-status every PING_INTERVAL on a second QMP connection;
    records (time sent, round trip) in seconds'''

    def __init__(self, ctx, path):
        super().__init__(daemon=True)
        self.ctx = ctx
        self.mon = ctx.mt.Monitor(path, timeout=ctx.cfg['qmp_timeout'])
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
        self.join(self.ctx.cfg['qmp_timeout'] + 5)
        self.mon.close()


def start_pinger(run, src):
    '''Ping src's second QMP socket from now on, a few times at rest
    first; stop_pinger() reports the round trips'''
    pinger = Pinger(run.ctx, src.qmp2_path)
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


def set_capability(ctx, guest, name):
    '''Switch a migration capability of the series on; None if done, the
    'unsupported' sample to return if the build has no such capability'''
    try:
        guest.command('migrate-set-capabilities', capabilities=[
            {'capability': name, 'state': True}])
    except ctx.mt.QMPError as err:
        return dict(status='unsupported',
                    detail='no %s capability: %s' % (name, err))
    return None



# --- One run of a scenario, and the run's record ----------------------------

def one_run(ctx, name, fn, build, rnd):
    build.wait_built()
    stamp = build.stamp()
    run = Run(ctx, build)
    t0 = time.monotonic()
    try:
        sample = fn(run)
    except ctx.mt.Timeout as err:
        sample = dict(status='failed', detail='timeout: %s' % err)
    except (socket.timeout, TimeoutError) as err:
        sample = dict(status='failed',
                      detail='QMP did not answer within %ds (%s)'
                      % (ctx.cfg['qmp_timeout'], err))
    except ctx.mt.QMPError as err:
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



def save(out, results):
    tmp = os.path.join(out, 'results.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=1, default=str)
    os.replace(tmp, os.path.join(out, 'results.json'))


def collect_meta(ctx, args, variants):
    mt = ctx.mt
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
    conf = lib.settings()
    builds = {}
    for v in variants:
        series = lib.build_dir('src', v + '.series')
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
                quick=args.quick, rounds=ctx.cfg['rounds'],
                qemu_version=conf.get('QEMU_VERSION'),
                qemu_commit=conf.get('QEMU_COMMIT'), project=head,
                builds=builds, loadavg_start=os.getloadavg(),
                python=platform.python_version())


