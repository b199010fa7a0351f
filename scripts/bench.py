#!/usr/bin/env python3
# scripts/bench.py: live migration benchmarks, v1.3.0 (build/obj/baseline)
# against the series (build/obj/patched).  scripts/bench.sh runs it; the
# "Benchmarks" section of README says what each scenario measures.
#
# Every scenario runs on both builds, interleaved (baseline, patched,
# baseline, patched, ...), so that noise on the machine hits both alike.
# Every migration goes over tcp on 127.0.0.1, every wait is bounded and
# every QEMU started here is killed when its run ends, whatever happened.
# A migration that fails is a result (recorded with its detail); an
# exception in the harness is an error, and makes the run exit non-zero
# (as does a scenario that gives no sample) in QUICK mode.
#
# Output in --out (build/bench): results.json (every sample), report.md
# (the table), throughput.png and qmp-rtt.png (gnuplot), tmp/ (scratch).
#
# This is the entry point: the work is done by scripts/bench/, harness.py
# (builds, guests, migrations, measurements, one run, the metadata),
# scenarios.py (the scenarios) and report.py (report.md and the plots).

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib                                                # noqa: E402
from bench.harness import (FULL, MIB, QUICK, VARIANTS,    # noqa: E402
                           Build, Context, collect_meta, describe_sample,
                           log, one_run, save)
from bench.report import find_problems, write_report      # noqa: E402
from bench.scenarios import SCENARIOS, scenario_limits    # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=lib.build_dir('bench'))
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--rounds', type=int)
    ap.add_argument('--variants', default=','.join(VARIANTS))
    ap.add_argument('--only', help='comma-separated scenario names')
    args = ap.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    if args.rounds:
        cfg['rounds'] = args.rounds
    variants = args.variants.split(',')
    only = args.only.split(',') if args.only else None
    ctx = Context(cfg, args.out)
    mt = ctx.mt
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *a: sys.exit(130))

    start = time.monotonic()
    meta = collect_meta(ctx, args, variants)
    log('accelerator: %s (%s); rounds: %d; %s'
        % (mt.accel, meta['accel_why'], cfg['rounds'],
           'QUICK mode' if args.quick else 'full run'))
    results = dict(meta=meta, config=cfg, scenarios={})

    if not only or 'limits' in only:
        res = results['scenarios']['limits'] = dict(machine=[])
        for i in range(cfg['limit_reps']):
            log('limits: loopback TCP %d MiB, memcpy %d MiB (%d/%d)'
                % (cfg['tcp_bytes'] // MIB, cfg['memcpy_mb'], i + 1,
                   cfg['limit_reps']))
            try:
                s = scenario_limits(cfg)
            except Exception as err:        # noqa: a harness error
                s = dict(status='error', detail='%s: %s'
                         % (type(err).__name__, err))
            res['machine'].append(s)
            log('limits: %s' % describe_sample(s))

    for name, title, fn in SCENARIOS:
        if only and name not in only:
            continue
        res = results['scenarios'][name] = dict((v, []) for v in variants)
        for rnd in range(1, cfg['rounds'] + 1):
            for v in variants:
                log('%s: %s, round %d/%d' % (name, v, rnd, cfg['rounds']))
                s = one_run(ctx, name, fn, Build(v), rnd)
                res[v].append(s)
                log('%s: %s round %d: %s (%.0fs)'
                    % (name, v, rnd, describe_sample(s), s['wall_s']))
                save(args.out, results)

    meta['wall_s'] = round(time.monotonic() - start, 1)
    meta['loadavg_end'] = os.getloadavg()
    save(args.out, results)
    write_report(ctx, args.out, results)
    problems = find_problems(results)
    for p in problems:
        log('problem: %s' % p)
    log('report: %s (%.0fs)' % (os.path.join(args.out, 'report.md'),
                                meta['wall_s']))
    if problems and args.quick:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
