# sluice: the two commands of the README.
#   make demo   installs what is missing, builds, runs the seed job on the embedded stack
#   make test   installs what is missing, builds (tsc: the type check), lint + unit + integration tests
SHELL := /bin/bash
.DEFAULT_GOAL := help
DEB_PACKAGES := librdkafka-dev kcat prometheus chromium bzip2 zstd
NODE_TEST := node --test --test-reporter=spec
DEMO_SECONDS ?= 60
export DEMO_SECONDS
# sluice supports Node 20 with the AWS SDK its lockfile pins; the SDK warns about Node < 22 from every thread.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?= true

include mk/kafka.mk
include mk/s3.mk
include mk/secauth.mk

.PHONY: help deps system-deps node-deps build typecheck lint test test-deps test-unit test-integration demo clean

help:
	@echo "make demo   - run the seed job on the embedded Kafka + S3 stack (DEMO_SECONDS=$(DEMO_SECONDS))"
	@echo "make test   - build (type check), lint, unit, deploy, integration and Spark tests"
	@echo "make bench  - the full benchmark suite (mk/bench.mk; make bench-quick: ~4 minutes → .bench-quick/BENCHMARKS.md) → BENCHMARKS.md"

# Debian packages: installed when running as root, otherwise named in a clear message.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || { echo "apt-get install failed for:$$missing" >&2; exit 1; }; \
	  else \
	    echo "sluice needs these Debian packages:$$missing. Install them with: sudo apt-get install -y$$missing (or run make as root)." >&2; exit 1; \
	  fi; \
	fi

# --prefer-offline: packages already in npm's cache are not revalidated against the registry.
# --ignore-scripts: the lockfile's only install script is simdjson's node-gyp build (a contender
# of bench/parse.bench.ts, nothing else loads it; `make bench-parse` builds it), ~25 s of C++ per
# fresh clone that make test and the demo never use.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --prefer-offline --ignore-scripts
	@touch $@

node-deps: node_modules/.package-lock.json

deps: system-deps node-deps

tools/kafka-mock/kafka-mock: tools/kafka-mock/kafka-mock.c
	bash tools/kafka-mock/build.sh

# tsc runs when a source changed since the last build (dist/.built), once per `make test`.
TS_SOURCES := $(shell find src test bench tools -name '*.ts' -not -path '*/node_modules/*') tsconfig.json
dist/.built: $(TS_SOURCES) node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

build: deps tools/kafka-mock/kafka-mock dist/.built

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

lint: deps
	npx eslint src test bench tools

test-unit: build
	$(NODE_TEST) --test-concurrency=2 dist/test/unit/*.test.js

test-integration: build kafka-real s3-server msk-iam
	$(NODE_TEST) --test-concurrency=1 dist/test/integration/*.test.js

# make test: first every install, in three groups side by side (the build; the Maven and pip
# fetches one after another, as Maven's local repository is shared; the Go builds), then the
# checks one after another.
test-deps:
	@rc=0; \
	$(MAKE) --no-print-directory build & b=$$!; \
	$(MAKE) --no-print-directory kafka-real msk-iam spark-deps & j=$$!; \
	$(MAKE) --no-print-directory s3-server deploy-tools & g=$$!; \
	for p in $$b $$j $$g; do wait $$p || rc=1; done; \
	if [ $$rc -ne 0 ]; then echo "make test: an install step failed (its message is above)" >&2; exit 1; fi

test: test-deps
	@$(MAKE) --no-print-directory lint test-unit test-deploy test-integration test-spark

demo: build
	node dist/tools/demo.js

include mk/deploy.mk

clean:
	rm -rf dist tools/kafka-mock/kafka-mock

include mk/spark.mk
include mk/cli.mk
include mk/bench.mk
include mk/faults.mk
include mk/secwire.mk
include mk/hotpath.mk
include mk/parquet.mk
