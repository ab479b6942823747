# Benchmarks (issue 12, issue 8): bench/suite.ts runs every contender side by side in one run and
# writes bench/results/suite-*.json; tools/gen-benchmarks-md.ts turns the newest results into
# BENCHMARKS.md and the SVG charts in bench/charts/. Benchmarks are never part of `make test`.
#   make bench-quick   drain on the mock (no Spark), sluice steady 25 s, 4-cell sweep at the steady's
#                      capacity: ~4 minutes on 2 idle cores; report in .bench-quick/BENCHMARKS.md
#   make bench         the full suite (real broker, compressed topics, the Spark job in drain and
#                      steady, 16-cell sweep, `sluice tune` applied; ~47 minutes on 2 idle cores), issue
#                      11's drain matrix (coalesce 1/3 x 1 worker/pool, ~5 minutes), then the earlier
#                      drain, metrics-overhead and memory benchmarks
#   BENCH_SCENARIOS=drain-mock,steady make bench   a subset (drain-mock, drain-real, drain-compressed, steady, sweep, tune)
.PHONY: bench bench-quick bench-parse

# JSON.parse vs simdjson (bench/parse.bench.ts): simdjson's native addon is built here, as npm ci
# runs without install scripts (Makefile).
bench-parse: build
	npm rebuild simdjson
	node dist/bench/parse.bench.js

# The quick run's results and report go to .bench-quick/ (git-ignored): BENCHMARKS.md stays the
# full run's.
bench-quick: build
	BENCH_PROFILE=quick BENCH_RESULTS_DIR=.bench-quick/results node dist/bench/suite.js
	BENCH_RESULTS_DIR=.bench-quick/results BENCH_REPORT_DIR=.bench-quick node dist/tools/gen-benchmarks-md.js

bench: build kafka-real spark-deps
	BENCH_PROFILE=full node dist/bench/suite.js
	node dist/bench/drain-matrix.js
	node dist/bench/drain.js
	node dist/bench/metrics-overhead.js
	node dist/bench/memory.js
	node dist/tools/gen-benchmarks-md.js
