# scripts/bench/scenarios.py: the benchmark scenarios (README,
# "Benchmarks", says what each measures).  Each takes the Run it works
# in (run.ctx: the settings and migtest.py) and returns its sample, a
# dict with status 'ok', 'failed', 'unsupported' or 'skipped'; SCENARIOS
# lists them in the order they run and are reported.

import multiprocessing
import os
import socket
import statistics
import subprocess
import threading
import time

from bench.harness import (MIB, MARKER_POLL, SAMPLE_INTERVAL, BenchError,
                           completed, hung, migrate, migration_outcome,
                           set_capability, start_pinger, stop_cpu_watch,
                           stop_pinger, watch_cpu)


# --- Scenario 1: idle big guest --------------------------------------------

def scenario_idle(run):
    cfg = run.ctx.cfg
    params = dict(mode='idle', mb=16, base=16, ram=cfg['idle_ram'])
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', ram_mb=cfg['idle_ram'])
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(run.ctx, src, uri, cfg['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    completed(run.ctx, sample, m, dst)
    stop_cpu_watch(run, cpu, sample, m)
    return sample



# --- Scenarios 2 and 5: throughput, and QMP responsiveness meanwhile --------

def fill_params(cfg, seed):
    return dict(mode='fill-then-halt', mb=cfg['fill_mb'], base=16,
                ram=cfg['fill_ram'], seed=seed)


def scenario_throughput(run, prefault=False):
    cfg = run.ctx.cfg
    params = fill_params(cfg, 2)
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', region_mb=cfg['fill_mb'])
    if prefault:
        # Set as the destination starts, as a user who sets it on every
        # destination would; the pinger's 0.5 s at rest give it a head
        # start.  v1.3.0 has no such capability.
        unsupported = set_capability(run.ctx, dst, 'prefault')
        if unsupported:
            return unsupported
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(run.ctx, src, uri, cfg['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    sample['series'] = [(s['t'], s['transferred']) for s in m.samples
                        if s['transferred'] is not None]
    if completed(run.ctx, sample, m, dst):
        sent = max(s['transferred'] or 0 for s in m.samples)
        sample.update(transferred=sent, mib_s=sent / MIB / m.took)
    stop_cpu_watch(run, cpu, sample, m)
    return sample


# --- Scenario 3: speed limit -------------------------------------------------

class Relay(object):
    '''Forward one TCP connection to host:port, counting the bytes; a
    read waits timeout s at most'''

    def __init__(self, uri, timeout):
        host, port = uri.split(':')[1:]
        self._target = (host, int(port))
        self._timeout = timeout
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
            conn.settimeout(self._timeout)
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
    cfg = run.ctx.cfg
    dst, uri = run.destination(params)
    relay = Relay(uri, cfg['qmp_timeout'])
    run.closers.append(relay.close)
    # A maximum downtime of 0 keeps the migration from completing while it
    # is measured (v1.3.0 may complete early under a limit, see case 055).
    src.migrate(relay.uri, speed=limit * MIB, downtime=0)
    t0 = time.monotonic()
    points = []
    end = cfg['settle'] + cfg['window']
    status = 'active'
    while time.monotonic() - t0 < end:
        info = src.query_migrate()
        t = time.monotonic() - t0
        status = info.get('status')
        if status != 'active':
            break
        if t >= cfg['settle']:
            points.append((t, info['ram']['transferred'], relay.count))
        time.sleep(SAMPLE_INTERVAL)
    src.command('migrate_cancel')
    run.ctx.mt.wait_for(lambda: src.query_migrate().get('status') !=
                        'active', cfg['qmp_timeout'], 'migrate_cancel')
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
    cfg = run.ctx.cfg
    params = fill_params(cfg, 3)
    src = run.guest('src', **params)
    src.wait_ready(timeout=180)
    sample = dict(status='ok', region_mb=cfg['fill_mb'])
    for limit in cfg['limits']:
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
    cfg = run.ctx.cfg
    params = dict(mode='dirty', mb=cfg['dirty_mb'], base=16,
                  ram=cfg['dirty_ram'], seed=4)
    src, (dst, uri) = run.pair(params, qmp2=True)
    sample = dict(status='ok', region_mb=cfg['dirty_mb'],
                  downtime_set_ms=int((downtime or 0.03) * 1000))
    if auto_converge:
        unsupported = set_capability(run.ctx, src, 'auto-converge')
        if unsupported:
            return unsupported
    watch = MarkerWatch(src.serial_path)
    run.closers.append(watch.stop)
    watch.start()
    pinger = start_pinger(run, src)
    time.sleep(0.5)
    cpu = watch_cpu(run, src, dst)
    m = migrate(run.ctx, src, uri, cfg['converge_limit'], downtime=downtime)
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
            sample['guest_mib_s'] = (len(gaps) * cfg['dirty_mb'] /
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
        sample['detail'] = 'did not converge in %ds' % cfg['converge_limit']
        return sample
    sample['converged'] = migration_outcome(run.ctx, sample, m.info, dst,
                                            t_mig)
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
    if sample['converged'] and sample.get('downtime_ms') is not None:
        sample['downtime_over_max'] = (sample['downtime_ms'] /
                                       sample['downtime_set_ms'])
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


def scenario_limits(cfg):
    return dict(status='ok',
                tcp_mib_s=loopback_tcp(cfg['tcp_bytes']),
                memcpy_mib_s=memcpy_rate(cfg['memcpy_mb'],
                                         cfg['memcpy_reps']))



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
    cfg = run.ctx.cfg
    try:
        link = NetLink(rate_mbit, cfg['link_rtt_ms'])
    except LinkUnavailable as err:
        return dict(status='skipped', detail=str(err))
    run.closers.append(link.close)
    params = dict(mode='fill-then-halt', mb=cfg['link_mb'], base=16,
                  ram=cfg['link_ram'], seed=7)
    src = run.guest('src', qmp2=True, **params)
    src.wait_ready(timeout=180)
    uri = 'tcp:%s:%d' % (link.ns_ip, run.ctx.mt.free_tcp_port())
    dst = run.guest('dst', incoming=uri, wrapper=link.wrapper, **params)
    sample = dict(status='ok', region_mb=cfg['link_mb'], rate_mbit=rate_mbit,
                  rtt_ms=link.rtt_ms, shaping=link.shaping)
    pinger = start_pinger(run, src)
    cpu = watch_cpu(run, src, dst)
    m = migrate(run.ctx, src, uri, cfg['migrate_limit'])
    stop_pinger(run, pinger, m, sample)
    if completed(run.ctx, sample, m, dst):
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


