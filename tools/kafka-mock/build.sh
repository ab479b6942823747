#!/bin/sh
# Builds tools/kafka-mock/kafka-mock, the librdkafka mock-cluster launcher used by tests and
# benchmarks (see the header of kafka-mock.c). Needs gcc and librdkafka's development headers
# (Debian package librdkafka-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}

if ! command -v "$cc" >/dev/null 2>&1; then
  echo "kafka-mock build: C compiler '$cc' not found: install gcc (as root: apt-get install -y gcc) or set CC." >&2
  exit 1
fi
# The header is looked up the way the compiler will look it up (any include path, not only /usr).
if ! printf '#include <librdkafka/rdkafka.h>\n#include <librdkafka/rdkafka_mock.h>\n' |
  "$cc" -E -x c - >/dev/null 2>&1; then
  echo "kafka-mock build: librdkafka/rdkafka_mock.h not found: the librdkafka mock-cluster header is missing." >&2
  echo "Install the Debian package librdkafka-dev (as root: apt-get install -y librdkafka-dev)," >&2
  echo "or librdkafka >= 1.9 development headers from another source, then run $0 again." >&2
  exit 1
fi

tmp="$here/kafka-mock.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$cc" -O2 -Wall -o "$tmp" "$here/kafka-mock.c" -lrdkafka -lpthread
# Rename into place so that concurrent builds (parallel test files) never run a half-written binary.
mv -f "$tmp" "$here/kafka-mock"
