# S3 servers for tests (the s3 helper's fragment; included by the top-level Makefile).
#
#   make s3-server   builds versitygw (Apache-2.0), an S3 gateway that ENFORCES conditional writes
#                    (If-None-Match: * -> 412), into .cache/s3/ from the Go module proxy.
#   make soak        the random-kill campaign (>= 100 SIGKILLs while data flows) on s3rver and versitygw.
#
# Why versitygw and not MinIO: MinIO is AGPL-3.0, which this project does not use. moto's server
# (Apache-2.0) also enforces If-None-Match but keeps objects in memory and is a mock of AWS;
# versitygw is a real gateway storing objects as files (posix backend). See docs/reliability.md.
VERSITYGW_VERSION := v1.8.0
S3_CACHE := .cache/s3
VERSITYGW_BIN := $(S3_CACHE)/versitygw-$(VERSITYGW_VERSION)/versitygw
export SLUICE_VERSITYGW := $(abspath $(VERSITYGW_BIN))
SOAK_KILLS ?= 100
export SOAK_KILLS

.PHONY: s3-server soak

$(VERSITYGW_BIN):
	@command -v go >/dev/null 2>&1 || { echo "make s3-server needs Go (>= 1.24) to build versitygw $(VERSITYGW_VERSION): install Go (Debian: apt-get install golang) and retry." >&2; exit 1; }
	@echo "building versitygw $(VERSITYGW_VERSION) into $(dir $@) (first time: downloads its modules into the Go module cache, several minutes)"
	@mkdir -p $(dir $@)
	@GOBIN=$(abspath $(dir $@)) go install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION) \
	  || { echo "building versitygw $(VERSITYGW_VERSION) failed (see above): the conditional-write tests need it. Check that the Go module proxy is reachable (GOPROXY=$$(go env GOPROXY)) and retry make s3-server." >&2; exit 1; }

s3-server: $(VERSITYGW_BIN)

soak: build s3-server
	$(NODE_TEST) --test-concurrency=1 dist/test/soak/*.test.js
