#!/usr/bin/env python3
#
# Run the source of a live migration under valgrind's memcheck: one
# migration cancelled half-way, one that completes, then quit.  Fails if
# valgrind reports an invalid access, a use of uninitialised memory or a
# definite leak whose stack goes through the code the series touches.
#
# Usage (scripts/valgrind-migration.sh sets this up):
#   TEST_DIR=... QEMU_PROG=... QEMU_IMG_PROG=... QEMU_IO_PROG=... \
#   PYTHONPATH=<src>/tests/qemu-iotests python3 migration-memcheck.py LOG
#
# Copyright (C) 2026 the QEMU migration-thread project
#
# This work is licensed under the terms of the GNU GPL, version 2 or later.
# See the COPYING file in the top-level directory.

import re
import sys
import time

import migtest

# The files whose code the series changes (frames "(file.c:line)").
SERIES_FILES = ('migration.c', 'migration-tcp.c', 'migration-fd.c',
                'migration-exec.c', 'migration-unix.c', 'buffered_file.c',
                'arch_init.c', 'savevm.c', 'block-migration.c', 'cpus.c',
                'exec.c', 'memory.c')
GUEST = dict(mode='dirty', mb=4, ram=64, seed=7)
# Everything runs some 50 times slower under valgrind
SLOW = 600


def valgrind_records(log):
    '''The error and leak records of a valgrind log, as lists of lines'''
    records, cur = [], []
    for line in open(log, errors='replace'):
        m = re.match(r'==\d+== ?(.*)', line)
        if not m:
            continue
        text = m.group(1)
        if not text.strip():
            if cur:
                records.append(cur)
            cur = []
        elif not cur and re.match(r'Thread \d+:$', text.strip()):
            # Printed ahead of a record when the thread changes: the
            # record's kind is on the next line
            continue
        else:
            cur.append(text)
    if cur:
        records.append(cur)
    return records


def is_problem(rec):
    head = rec[0]
    return (head.startswith('Invalid ') or
            'uninitialised' in head or
            'Syscall param' in head or
            'Mismatched free' in head or
            ('definitely lost' in head and 'loss record' in head))


# Under TCG, guest code computes values from CPU state that valgrind
# cannot follow through the translated code (the lazy condition codes):
# it calls them uninitialised, and so every page of guest RAM they reach,
# and every copy of it in the migration stream.  Such records are guest
# data, not a fault of the code that moves it; they are counted apart.
GUEST_DATA_FRAMES = ('cpu_x86_exec', 'is_dup_page', 'ram_save_block')
# Guest RAM comes from qemu_memalign(), whose memory valgrind takes as
# uninitialised until written: the pages the guest never wrote are so
# wherever they are copied, the buffer of the migration stream and its
# send() included.  --track-origins names the allocation a value came
# from; one made for guest RAM is guest data too.
GUEST_RAM_ORIGIN = 'qemu_ram_alloc_from_ptr ('


def is_guest_data(rec):
    head = rec[0]
    if not ('uninitialised' in head or 'Syscall param' in head):
        return False
    if any(f + ' (' in line for line in rec for f in GUEST_DATA_FRAMES):
        return True
    origin = [i for i, line in enumerate(rec)
              if 'Uninitialised value was created' in line]
    return bool(origin) and any(GUEST_RAM_ORIGIN in line
                                for line in rec[origin[0]:])


def in_series_code(rec):
    return any(re.search(r'\((%s):\d+\)' % re.escape(f), line)
               for line in rec for f in SERIES_FILES)


def main():
    log = sys.argv[1]
    wrapper = ['valgrind', '--tool=memcheck', '--leak-check=full',
               '--track-origins=yes',
               '--smc-check=all-non-file', '--num-callers=40',
               '--log-file=' + log]
    src = migtest.Guest('vgsrc', wrapper=wrapper, **GUEST).launch()
    dsts = []
    try:
        t = time.time()
        src.wait_ready(timeout=SLOW)
        print('source booted under valgrind in %.0fs' % (time.time() - t))

        # 1. cancelled half-way
        uri = 'tcp:127.0.0.1:%d' % migtest.free_tcp_port()
        dsts.append(migtest.Guest('vgdst1', incoming=uri, **GUEST).launch())
        src.migrate(uri, speed=4 << 20, downtime=0)
        migtest.wait_for(lambda: src.query_migrate().get('ram', {})
                         .get('transferred', 0) > 8 * migtest.MIB, SLOW,
                         '8 MiB of the first migration', interval=0.5)
        src.command('migrate_cancel')
        info = src.wait_migration(SLOW)
        assert info.get('status') == 'cancelled', info
        assert src.status() == 'running', src.status()
        print('first migration cancelled')

        # 2. completes
        uri = 'tcp:127.0.0.1:%d' % migtest.free_tcp_port()
        dst = migtest.Guest('vgdst2', incoming=uri, **GUEST).launch()
        dsts.append(dst)
        t = time.time()
        src.migrate(uri, speed=1 << 30, downtime=2.0)
        info = src.wait_migration(SLOW)
        assert info.get('status') == 'completed', info
        migtest.wait_for(lambda: dst.status() != 'inmigrate', 60,
                         'the destination to load the stream')
        assert dst.status() == 'running', dst.log()
        ok, out = dst.check_memory()
        assert ok, out
        print('second migration completed in %.0fs; destination %s'
              % (time.time() - t, out))

        src.command('quit')
        src.proc.wait(timeout=SLOW)
    finally:
        for g in [src] + dsts:
            g.shutdown()

    records = valgrind_records(log)
    problems = [r for r in records if is_problem(r)]
    guest = [r for r in problems if is_guest_data(r)]
    ours = [r for r in problems
            if in_series_code(r) and not is_guest_data(r)]
    summary = [l for r in records for l in r
               if l.startswith('ERROR SUMMARY')]
    leaks = [l.strip() for r in records for l in r
             if l.strip().startswith('definitely lost:')]
    print('valgrind: %d records, %d problems: %d about guest data under '
          'TCG, %d in the series\' code; %s; %s'
          % (len(records), len(problems), len(guest), len(ours),
             leaks[-1] if leaks else 'no leak summary',
             summary[-1] if summary else 'no summary'))
    for r in ours:
        print('\n'.join(r[:25]) + '\n')
    if not summary:
        print('FAIL: valgrind did not finish its report (see %s)' % log)
        return 1
    return 1 if ours else 0


if __name__ == '__main__':
    sys.exit(main())
