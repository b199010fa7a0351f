# scripts/bench/: the benchmarks that scripts/bench.py runs (harness, scenarios, report).
