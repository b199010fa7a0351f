#!/usr/bin/env python3
# scripts/check-docs.py: the documentation says what the tooling does.
# Every target of the Makefile and every environment variable a script
# reads must be listed by `make help` and in README's section "Targets and
# variables"; every .PHONY name of the Makefile must have a rule.
# Prints one "PASS|FAIL NAME [why]" line each (scripts/check.sh counts
# them, stage "docs"); exits non-zero on any failure.
#
# A variable a script reads is one a shell script expands with a default
# or a check (${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR:?}, ...: under set -u
# the only way to read one that may be unset), one a Python script reads
# from os.environ, and, of the series (patches/series outside host/), the
# MIGTEST_* variables its Python (migtest.py and the cases) reads.

import glob
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The system's own, passed through, not the project's to document.
SYSTEM = {'HOME', 'PATH', 'PYTHONPATH', 'TMPDIR'}

SH_READ = re.compile(r'\$\{([A-Z_][A-Z0-9_]*)(?::?[-+?=])')
NAME = r'''['"]([A-Z_][A-Z0-9_]*)['"]'''
PY_READ = [re.compile(r'os\.environ\.get\(\s*' + NAME),
           re.compile(r'os\.getenv\(\s*' + NAME),
           re.compile(r'os\.environ\.setdefault\(\s*' + NAME),
           # os.environ['X'], but not os.environ['X'] = ... nor del
           re.compile(r'(?<!del )os\.environ\[\s*' + NAME +
                      r'\s*\](?!\s*=(?!=))'),
           re.compile(NAME + r'\s+(?:not\s+)?in\s+os\.environ')]


def read(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def py_reads(text):
    names = set()
    for rx in PY_READ:
        names.update(rx.findall(text))
    return names


def variables():
    '''{name: [where it is read]}'''
    found = {}
    shells = glob.glob(os.path.join(TOP, 'scripts', '*.sh'))
    shells.append(os.path.join(TOP, '.ci', 'run'))
    pys = glob.glob(os.path.join(TOP, 'scripts', '**', '*.py'),
                    recursive=True)
    pys += glob.glob(os.path.join(TOP, 'tests', '**', '*.py'),
                     recursive=True)
    for path in shells:
        for name in SH_READ.findall(read(path)):
            found.setdefault(name, set()).add(os.path.relpath(path, TOP))
    for path in pys:
        if os.path.samefile(path, __file__):
            continue            # its comments name os.environ['X']
        for name in py_reads(read(path)):
            found.setdefault(name, set()).add(os.path.relpath(path, TOP))
    for path in series_patch_paths():
        added = '\n'.join(l[1:] for l in read(path).splitlines()
                          if l.startswith('+') and not l.startswith('+++'))
        for name in py_reads(added):
            if name.startswith('MIGTEST_'):
                found.setdefault(name, set()).add(os.path.relpath(path, TOP))
    for name in SYSTEM:
        found.pop(name, None)
    return found


def series_patch_paths():
    '''The files of the series' patches (patches/series outside host/)'''
    for line in read(os.path.join(TOP, 'patches', 'series')).splitlines():
        p = line.split('#')[0].strip()
        if p and not p.startswith('host/'):
            path = os.path.join(TOP, 'patches', p.split()[0])
            if os.path.isfile(path):
                yield path


def series_cases():
    '''{qemu-iotests case the series adds: the patch that adds it}'''
    new_case = re.compile(r'^diff --git a/tests/qemu-iotests/([0-9]{3}) '
                          r'b/tests/qemu-iotests/\1\nnew file mode',
                          re.M)
    cases = {}
    for path in series_patch_paths():
        for case in new_case.findall(read(path)):
            cases[case] = os.path.relpath(path, TOP)
    return cases


def makefile_rules():
    '''The targets of the Makefile's rules, and its .PHONY names'''
    rules, phony = [], []
    text = read(os.path.join(TOP, 'Makefile')).replace('\\\n', ' ')
    for line in text.splitlines():
        if line.startswith(('\t', '#')):
            continue
        m = re.match(r'^([A-Za-z0-9_.%/ -]+?)\s*:(?![=:])(.*)$', line)
        if not m:
            continue
        names = m.group(1).split()
        if names == ['.PHONY']:
            phony += m.group(2).split()
        elif not any(n.startswith('.') or '%' in n or '$' in n
                     for n in names):
            rules += names
    return rules, phony


def readme_section():
    '''The text of README's section "Targets and variables"'''
    lines = read(os.path.join(TOP, 'README')).splitlines()
    out, inside = [], False
    for i, line in enumerate(lines):
        underline = (i + 1 < len(lines) and lines[i + 1].strip() and
                     set(lines[i + 1].strip()) <= set('-='))
        if underline and not set(line.strip()) <= set('-='):
            inside = line.strip() == 'Targets and variables'
            continue
        if inside:
            out.append(line)
    return '\n'.join(out)


def main():
    failed = False

    def result(ok, name, why=''):
        nonlocal failed
        print('%s %s%s' % ('PASS' if ok else 'FAIL', name,
                           ' (%s)' % why if why else ''))
        failed = failed or not ok

    p = subprocess.run(['make', '-s', '--no-print-directory', '-C', TOP,
                        'help'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    helptext = p.stdout
    if p.returncode:
        result(False, 'make-help', 'make help failed: %s'
               % helptext.strip()[-200:])
        return 1
    readme = readme_section()
    if not readme.strip():
        result(False, 'readme-section',
               'README has no section "Targets and variables"')

    helped_targets = set(re.findall(r'\bmake ([a-z][a-z0-9-]*)', helptext))
    readme_targets = set(re.findall(r'\bmake ([a-z][a-z0-9-]*)', readme))
    rules, phony = makefile_rules()
    for t in rules:
        missing = [where for where, have in (('make help', helped_targets),
                                             ('README', readme_targets))
                   if t not in have]
        result(not missing, 'target-%s' % t,
               'not listed by %s' % ' nor '.join(missing) if missing else '')
    for t in phony:
        if t not in rules:
            result(False, 'phony-%s' % t, '.PHONY in the Makefile, no rule')

    for name, where in sorted(variables().items()):
        word = re.compile(r'(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])' % name)
        missing = [w for w, text in (('make help', helptext),
                                     ('README', readme))
                   if not word.search(text)]
        result(not missing, 'variable-%s' % name,
               'read by %s, not listed by %s'
               % (', '.join(sorted(where)), ' nor '.join(missing))
               if missing else '')

    # Each case the series adds is in README's list of cases, a line
    # "    NNN  what it checks"
    listed = set(re.findall(r'^    ([0-9]{3})  ', read(os.path.join(
        TOP, 'README')), re.M))
    for case, patch in sorted(series_cases().items()):
        result(case in listed, 'case-%s' % case,
               'added by %s, not in README\'s list of cases' % patch
               if case not in listed else '')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
