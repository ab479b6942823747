# Spark peer for the interop tests (issue 10): pyspark 3.5 in a project-local venv, the Kafka
# connector jars fetched with Maven into a project-local cache and handed to Spark by path
# (spark.jars). Downloads are cached in ~/.cache/pip and ~/.m2. A failed install fails `make test`.
SPARK_VERSION := 3.5.3
SPARK_VENV := .venv
SPARK_JARS_DIR := .cache/spark-jars
SPARK_PY_PACKAGES := pyspark==$(SPARK_VERSION) pyarrow==17.0.0 duckdb==1.1.3

.PHONY: spark-deps test-spark

$(SPARK_VENV)/.spark-$(SPARK_VERSION): mk/spark.mk
	@command -v java >/dev/null || { echo "the Spark interop tests need Java 17 (java not found): apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
	@python3 -m venv $(SPARK_VENV) || { echo "could not create the Python venv $(SPARK_VENV) for pyspark: install python3-venv (apt-get install -y python3-venv)" >&2; exit 1; }
	@$(SPARK_VENV)/bin/pip install -q --disable-pip-version-check $(SPARK_PY_PACKAGES) || { echo "pip could not install $(SPARK_PY_PACKAGES) from PyPI into $(SPARK_VENV); the Spark interop tests cannot run without them (check network access to PyPI)" >&2; exit 1; }
	@touch $@

$(SPARK_JARS_DIR)/.spark-$(SPARK_VERSION): test/spark/pom.xml mk/spark.mk
	@command -v mvn >/dev/null || { echo "the Spark interop tests need Maven to fetch the Kafka connector jars (mvn not found): apt-get install -y maven" >&2; exit 1; }
	@rm -rf $(SPARK_JARS_DIR) && mkdir -p $(SPARK_JARS_DIR)
	@mvn -q -B -Dstyle.color=never -f test/spark/pom.xml -Dspark.version=$(SPARK_VERSION) dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(SPARK_JARS_DIR) || { echo "Maven could not fetch org.apache.spark:spark-sql-kafka-0-10_2.12:$(SPARK_VERSION) and its dependencies from Maven Central into $(SPARK_JARS_DIR); the Spark interop tests cannot run without them" >&2; exit 1; }
	@touch $@

spark-deps: $(SPARK_VENV)/.spark-$(SPARK_VERSION) $(SPARK_JARS_DIR)/.spark-$(SPARK_VERSION)

# The interop tests: node:test files under test/spark/, one Spark session per file.
test-spark: build spark-deps kafka-real
	SPARK_LOCAL_IP=127.0.0.1 $(NODE_TEST) --test-concurrency=1 dist/test/spark/*.test.js
