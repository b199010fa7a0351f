#!/usr/bin/env python3
#
# scripts/asan-reports.py: read the reports AddressSanitizer and UBSan
# wrote during `make check-asan` (one log file per process, log_path=)
# and print one result line per distinct report, for check.sh's tally:
#
#   FAIL  a report whose site (SITE_DEPTH first frames in QEMU of one of
#         its stacks) is in a function the series changes
#   FAIL  a report elsewhere that tests/asan-known-reports does not list
#   KNOWN-FAIL  a listed one (v1.3.0 code the series does not touch)
#   PASS  reports: none, when no process reported anything
#
# The series' code is taken from its patches, those of patches/series
# outside host/ (lib.sh's series_patches): the files of their '+++ b/'
# lines and, in them, the functions their added and removed lines fall
# in.  Functions, not files: every vCPU thread starts in cpus.c and every
# MMIO access passes memory.c and exec.c, files the series changes, so by
# file every report from a vCPU would count as the series' own.
# The full text of every report is written to LOG.
#
# Usage (check.sh's stage asan_reports):
#   asan-reports.py REPORT_DIR KNOWN_FILE PATCH_DIR SRC OBJ LOG [RUNNER_LOG] \
#       < list of the series' patches, one a line
#
# Copyright (C) 2026 the QEMU migration-thread project
#
# This work is licensed under the terms of the GNU GPL, version 2 or later.
# See the COPYING file in the top-level directory.

import os
import re
import sys
import time

ASAN_HEAD = re.compile(r'^==\d+==ERROR: AddressSanitizer: (\S+)')
UBSAN_HEAD = re.compile(r'^(\S+?):(\d+):(\d+): runtime error: (.*)')
FRAME = re.compile(r'^\s*#\d+ 0x[0-9a-f]+ in (\S+) (\S+?)(?::\d+)*$')
# The stacks of an ASan report: the access, then where the memory was
# freed and allocated, or in which function's frame it lies.  The stack
# that created a thread ("Thread T3 created by T0 here:") is left out:
# it tells where the thread came from, and every vCPU thread comes from
# cpus.c, which the series changes, whatever the report is about.
# A report is the series' when its site is: the first frames of a stack
# that are QEMU's own.  Deeper, every report of the destination passes
# process_incoming_migration_co(), which the series changes, and every
# vCPU's the run loop in cpus.c.
SITE_DEPTH = 2
THREAD_CREATED = re.compile(r'^Thread T\d+ .*created by T\d+ here:')
# What a report's last line is; what the runner prints per test.
ASAN_END = re.compile(r'^==\d+==ABORTING')
CASE = re.compile(r'^(\d{3})\s.*\[(\d+):(\d+):(\d+)\] \[(\d+):(\d+):(\d+)\]')


# A line that starts a C function definition (QEMU style: at column 0),
# and the hunk header git writes, which names the function a hunk is in.
DEFINITION = re.compile(r'^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(')
HUNK = re.compile(r'^@@ [^@]* @@ ?(.*)')


def series_code(patch_dir, patches):
    '''The files the series changes ('+++ b/' lines) and, in them, the
    functions it changes: those its added or removed lines fall in, by
    the hunk headers and the definitions in the hunks'''
    files, funcs = set(), set()
    for p in patches:
        path = func = None
        with open(os.path.join(patch_dir, p), errors='replace') as f:
            for line in f:
                # A removed file has "+++ /dev/null": keep its old name.
                if line.startswith('--- a/'):
                    path = line[6:].strip()
                    continue
                if line.startswith('+++ '):
                    if line.startswith('+++ b/'):
                        path = line[6:].strip()
                    files.add(path)
                    continue
                if line.startswith('--- ') or line.startswith('diff '):
                    continue
                h = HUNK.match(line)
                if h:
                    d = DEFINITION.match(h.group(1))
                    func = d.group(1) if d else None
                    continue
                if not path or not line[:1] in ' +-':
                    continue
                d = DEFINITION.match(line[1:])
                if d:
                    func = d.group(1)
                if line[0] in '+-' and func:
                    funcs.add((path, func))
    return files, funcs


def read_known(path):
    '''KIND FILE FUNCTION REASON lines of tests/asan-known-reports'''
    known = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4:
                sys.exit('%s:%d: want KIND FILE FUNCTION REASON' % (path, n))
            known[tuple(parts[:3])] = parts[3]
    return known


class Report:
    def __init__(self, sanitizer, kind, head, log):
        self.sanitizer, self.kind = sanitizer, kind
        self.text = [head]
        self.frames = []        # (function, file relative to SRC or as is)
        self.stacks = []        # the same frames, one list per stack
        self.log = log

    def sites(self):
        '''Of each stack, the first SITE_DEPTH frames in QEMU's tree: the
        code where the report happened and its nearest callers'''
        for stack in self.stacks:
            for frame in [f for f in stack if f[1]][:SITE_DEPTH]:
                yield frame

    def where(self):
        '''The first frame in QEMU's tree (not libc's, GLib's or the
        sanitizer's own): the function and file a report is listed by'''
        for func, path in self.frames:
            if path:
                return func, path
        return '?', '?'


def relative(path, trees):
    '''A frame's file relative to the tree or build folder, or None'''
    for t in trees:
        if path.startswith(t + '/'):
            return os.path.normpath(path[len(t) + 1:])
    return None


def parse(log, trees):
    reports, cur, skip_stack = [], None, False
    for line in open(log, errors='replace'):
        line = line.rstrip('\n')
        m = ASAN_HEAD.match(line)
        u = UBSAN_HEAD.match(line)
        if m or u:
            if m:
                cur = Report('asan', m.group(1), line, log)
            else:
                # The message without the values and types that vary
                what = re.sub(r"0x[0-9a-f]+|-?\b\d+\b", 'N', u.group(4))
                what = re.sub(r"'[^']*'", 'T', what)
                cur = Report('ubsan', 'ubsan', line, log)
                cur.what = what
            reports.append(cur)
            skip_stack = False
            continue
        if cur is None:
            continue
        if cur.sanitizer == 'ubsan' and not FRAME.match(line):
            # A UBSan report is its head line, notes ("pointer points
            # here" and a dump) and the stack under them.
            if cur.frames:
                cur = None
            else:
                cur.text.append(line)
            continue
        cur.text.append(line)
        if ASAN_END.match(line):
            cur = None
            continue
        if THREAD_CREATED.match(line.strip()):
            skip_stack = True
            continue
        if not line.strip():
            skip_stack = False
            continue
        f = FRAME.match(line)
        if f and not skip_stack:
            frame = (f.group(1), relative(f.group(2), trees))
            if line.strip().startswith('#0 ') or not cur.stacks:
                cur.stacks.append([])
            cur.stacks[-1].append(frame)
            cur.frames.append(frame)
    return reports


def case_windows(runner_log):
    '''(case, start, end) in seconds of the day, from the runner's -T stamps'''
    windows = []
    if runner_log and os.path.exists(runner_log):
        for line in open(runner_log, errors='replace'):
            m = CASE.match(line)
            if m:
                t = [int(x) for x in m.groups()[1:]]
                windows.append((m.group(1), t[0] * 3600 + t[1] * 60 + t[2],
                                t[3] * 3600 + t[4] * 60 + t[5]))
    return windows


def case_of(log, windows):
    tm = time.localtime(os.path.getmtime(log))
    t = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec
    for case, start, end in windows:
        if start - 1 <= t <= end + 1:
            return case
    return None


def main():
    report_dir, known_file, patch_dir, src, obj, out = sys.argv[1:7]
    runner_log = sys.argv[7] if len(sys.argv) > 7 else None
    files, touched = series_code(patch_dir, sys.stdin.read().split())
    known = read_known(known_file)
    trees = [os.path.realpath(d) for d in (src, obj)] + [
        d.rstrip('/') for d in (src, obj)]
    logs = sorted(os.path.join(report_dir, f) for f in os.listdir(report_dir))
    windows = case_windows(runner_log)

    groups = {}     # name -> [reports]
    # What the sanitizers print besides reports ("WARNING: ASan is
    # ignoring requested __asan_handle_no_return", after a coroutine
    # switch): told in the log and the result line, not a failure.
    warnings = [(log, line.strip()) for log in logs
                for line in open(log, errors='replace')
                if re.match(r'==\d+==WARNING', line)]
    for log in logs:
        for r in parse(log, trees):
            func, path = r.where()
            kind = r.kind if r.sanitizer == 'asan' else 'ubsan'
            r.key = (kind, path, func)
            r.series = sorted({'%s:%s' % (p, fn) for fn, p in r.sites()
                               if (p, fn) in touched})
            r.case = case_of(log, windows)
            groups.setdefault(r.key, []).append(r)

    with open(out, 'w') as o:
        o.write('%d log files in %s; the series changes %d functions in '
                '%d files:\n' % (len(logs), report_dir, len(touched),
                                 len(files)))
        for path in sorted(files):
            o.write('  %s: %s\n' % (path, ' '.join(
                sorted(fn for p, fn in touched if p == path))))
        o.write('\n')
        for key, rs in sorted(groups.items()):
            o.write('=== %s %s %s: %d reports\n' % (key + (len(rs),)))
            for r in rs:
                o.write('--- %s%s\n' % (r.log, ' (case %s)' % r.case
                                        if r.case else ''))
                o.write('\n'.join(r.text[:60]) + '\n')
            o.write('\n')
        for log, line in warnings:
            o.write('warning in %s: %s\n' % (log, line))

    for key, rs in sorted(groups.items()):
        kind, path, func = key
        name = '%s:%s:%s' % (kind, path, func)
        cases = sorted({r.case for r in rs if r.case})
        what = rs[0].what if kind == 'ubsan' else rs[0].text[0].split(
            'AddressSanitizer: ')[-1].split(' on ')[0]
        seen = '%s, %d report%s%s' % (
            what, len(rs), 's' if len(rs) > 1 else '',
            ', cases ' + ' '.join(cases) if cases else '')
        series = sorted({s for r in rs for s in r.series})
        if series:
            print('FAIL %s in the series\' code (%s): %s, see %s'
                  % (name, ' '.join(series[:3]), seen, out))
        elif key in known:
            print('KNOWN-FAIL %s %s; known: %s' % (name, seen, known[key]))
        else:
            print('FAIL %s not listed in tests/asan-known-reports: %s, see %s'
                  % (name, seen, out))
    if not groups:
        print('PASS reports none%s' % (
            ', %d warnings, see %s' % (len(warnings), out) if warnings else ''))


if __name__ == '__main__':
    main()
