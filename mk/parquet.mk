# Independent Parquet readers for the tests of sink.format parquet (issue 15): pyarrow and DuckDB
# from PyPI, in the project's .venv. They are in mk/spark.mk's package list (pinned there, one
# venv for both), so the target is that venv's marker; the integration tests need it.
.PHONY: parquet-readers

parquet-readers: $(SPARK_VENV)/.spark-$(SPARK_VERSION)

test-integration: parquet-readers
