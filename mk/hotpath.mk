# Issue 11's benchmarks (docs/performance.md): the drain matrix (kcat, kafkajs pipeline, sluice
# coalesce 1/3 x 1 worker/pool, 100 B and 1 KB records, CPU-s per M), how row blocks move between
# threads, the CPU profile by category, and peak RSS with one batch of 1,000,000 records.
.PHONY: bench-hotpath bench-profile
bench-hotpath: build
	node dist/bench/drain-matrix.js
	node dist/bench/block-transfer.bench.js
	BENCH_PER_PARTITION=31250 node dist/bench/memory-1m.js

bench-profile: build
	node dist/bench/profile-drain.js
