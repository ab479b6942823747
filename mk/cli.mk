# cli helper: the load generator's ceiling (docs/cli.md, "The generator's ceiling on this machine").
.PHONY: bench-loadgen
bench-loadgen: build
	node dist/bench/loadgen-ceiling.js
