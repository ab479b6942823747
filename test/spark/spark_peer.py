"""One Spark session (local[2]) serving the node:test integration tests, so that each test file pays
Spark's start-up once. Protocol: one JSON request per stdin line, one answer per stdout line
prefixed with "@@peer " (Spark and py4j may print to stdout too). Answers: {"ok": ...} or
{"error": "<python traceback>"}.

Requests ("op"):
  conf        {"conf": {k: v}}                       spark.conf.set each
  from_json   {"schema", "options", "values": [base64|null], "timestamps": [epoch ms]}
              -> {"lines": [...]}: for each value, from_json(CAST(value AS STRING), schema,
              options) AS json_data, timestamp AS kafka_timestamp, selected as `select`
              (default json_data.*), each row as Spark's JSON writer prints it (toJSON)
  write_json  same input plus "path": the rows written by DataFrameWriter.json (coalesce(1))
  stream      {"bootstrap", "path", "checkpoint", "batches": n | null}: runs the seed job
              (streaming_test.start_query) until n batches ran in this run (null: until all
              available data is processed), stops it -> {"progress": [progress JSON, ...]}
  read_json   {"path"} -> {"lines": sorted toJSON of spark.read.json(path)}
  read_parquet {"path", "json"} -> {"schema": simpleString, "lines": sorted toJSON of
              spark.read.parquet(path), "jsonLines": the same of spark.read.schema(that).json(json)}
  kafka_read  {"bootstrap", "topic", "options", "schema", "select"} -> {"lines": sorted}: a batch
              read of the Kafka source (spark.read.format("kafka"), the given source options,
              e.g. includeHeaders, startingTimestamp), json_data = from_json(CAST(value AS
              STRING), schema), then `select`, each row as Spark's JSON writer prints it
"""
import base64
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import streaming_test  # noqa: E402

from pyspark.sql import DataFrame  # noqa: E402
from pyspark.sql.functions import col, expr, from_json  # noqa: E402
from pyspark.sql.types import BinaryType, LongType, StructField, StructType  # noqa: E402

spark = streaming_test.session(
    conf={
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.driver.memory": "768m",
        "spark.sql.session.timeZone": "UTC",
    }
)
spark.sparkContext.setLogLevel("WARN")


def json_lines(df):
    """Each row as Spark's JSON writer prints it: the JVM Dataset's toJSON, collected. Not
    PySpark's DataFrame.toJSON(), which returns an RDD: an RDD action does not hand the session's
    runtime SQL conf (spark.conf.set: timeParserPolicy, session time zone) to its tasks, so they
    would parse and print under the defaults."""
    return [r[0] for r in DataFrame(df._jdf.toJSON(), spark).collect()]


def answer(obj):
    sys.stdout.write("@@peer " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def kafka_like_df(req):
    values = req["values"]
    ts = req.get("timestamps") or [0] * len(values)
    rows = [(None if v is None else bytearray(base64.b64decode(v)), t) for v, t in zip(values, ts)]
    schema = StructType([StructField("value", BinaryType(), True), StructField("ms", LongType(), False)])
    df = spark.createDataFrame(rows, schema).coalesce(1)
    df = df.select(col("value"), expr("timestamp_millis(ms)").alias("timestamp"))
    parsed = df.select(
        from_json(col("value").cast("string"), req["schema"], req.get("options") or {}).alias("json_data"),
        col("timestamp"),
    )
    return parsed.selectExpr(*(req.get("select") or ["json_data.*"]))


def kafka_read(req):
    reader = spark.read.format("kafka").option("kafka.bootstrap.servers", req["bootstrap"]).option("subscribe", req["topic"])
    for k, v in (req.get("options") or {}).items():
        reader = reader.option(k, v)
    df = reader.load().withColumn("json_data", from_json(col("value").cast("string"), req["schema"]))
    return {"lines": sorted(json_lines(df.selectExpr(*req["select"])))}


def run_stream(req):
    q = streaming_test.start_query(spark, req["bootstrap"], req["path"], req["checkpoint"])
    try:
        want = req.get("batches")
        deadline = time.time() + req.get("timeoutSeconds", 120)
        if want is None:
            q.processAllAvailable()
        else:
            while len({p["batchId"] for p in q.recentProgress}) < want:
                if q.exception() is not None:
                    break
                if time.time() > deadline:
                    raise RuntimeError("the Spark query ran %d of %d batches in time" % (len(q.recentProgress), want))
                time.sleep(0.2)
        exc = q.exception()
        if exc is not None:
            raise RuntimeError(str(exc))
        return {"progress": [p.json() for p in q._jsq.recentProgress()]}
    finally:
        q.stop()


def handle(req):
    op = req["op"]
    if op == "conf":
        for k, v in req["conf"].items():
            spark.conf.set(k, v)
        return {}
    if op == "from_json":
        return {"lines": json_lines(kafka_like_df(req))}
    if op == "write_json":
        kafka_like_df(req).coalesce(1).write.mode("overwrite").json(req["path"])
        return {}
    if op == "stream":
        return run_stream(req)
    if op == "kafka_read":
        return kafka_read(req)
    if op == "read_parquet":
        df = spark.read.parquet(req["path"])
        return {
            "schema": df.schema.simpleString(),
            "lines": sorted(df.toJSON().collect()),
            "jsonLines": sorted(spark.read.schema(df.schema).json(req["json"]).toJSON().collect()),
        }
    if op == "read_json":
        return {"lines": sorted(json_lines(spark.read.json(req["path"])))}
    raise ValueError("unknown op " + op)


answer({"ok": {"ready": True, "version": spark.version}})
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        answer({"ok": handle(json.loads(line))})
    except Exception:  # noqa: BLE001 - every failure goes back to the test
        answer({"error": traceback.format_exc()})
spark.stop()
