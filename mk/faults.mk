# Reliability targets (the faults helper's fragment; included by the top-level Makefile).
#
#   make soak-steady   30 minutes at 80% of the capacity measured first on this machine, with
#                      `sluice loadgen`; samples RSS, open fds, sockets and lag of the sluice process
#                      every 5 s into bench/results/soak-steady-<date>.json (bench/soak-steady.ts).
#                      SOAK_SECONDS=120 for a short run; SOAK_RATE=N to skip the calibration.
.PHONY: soak-steady

soak-steady: build
	node dist/bench/soak-steady.js
