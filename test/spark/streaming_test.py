"""The PySpark Structured Streaming job sluice replaces (the seed job; examples/streaming-test.yaml
mirrors it option for option). Parameterised only by the Kafka bootstrap servers and the paths.

    python test/spark/streaming_test.py <bootstrap> <output path> <checkpoint path>

The Kafka connector jars come from `spark.jars` (SPARK_KAFKA_JARS, a comma list of paths that
mk/spark.mk fetched with Maven), since Spark's own package resolver is not used in the tests.
"""
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, date_format, from_json
from pyspark.sql.types import StringType, StructField, StructType

SCHEMA = StructType([StructField("message", StringType(), True)])


def session(master="local[2]", conf=None):
    builder = SparkSession.builder.appName("StreamingTest").master(master)
    jars = os.environ.get("SPARK_KAFKA_JARS", "")
    if jars:
        builder = builder.config("spark.jars", jars)
    for k, v in (conf or {}).items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def start_query(spark, bootstrap, path, checkpoint, topic="pySparkTest", max_offsets=2000, trigger=None, coalesce=3):
    """The seed job; bench/spark_job.py overrides the topic, the batch cap (None: no cap), the
    trigger (a DataStreamWriter.trigger keyword dict) and coalesce, the defaults are the seed's."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
    )
    if max_offsets is not None:
        reader = reader.option("maxOffsetsPerTrigger", max_offsets)
    df = reader.load()
    parsed = df.select(
        from_json(col("value").cast("string"), SCHEMA).alias("json_data"),
        col("timestamp").alias("kafka_timestamp"),
    ).select("json_data.*", "kafka_timestamp")
    parsed = parsed.withColumn("dt", date_format("kafka_timestamp", "yyyy-MM-dd")).withColumn(
        "dth", date_format("kafka_timestamp", "yyyy-MM-dd-HH")
    )
    return (
        parsed.coalesce(coalesce)
        .writeStream.format("json")
        .option("path", path)
        .option("checkpointLocation", checkpoint)
        .partitionBy("dt", "dth")
        .trigger(**(trigger or {"processingTime": "2 seconds"}))
        .outputMode("append")
        .start()
    )


if __name__ == "__main__":
    bootstrap, path, checkpoint = sys.argv[1:4]
    start_query(session(), bootstrap, path, checkpoint).awaitTermination()
