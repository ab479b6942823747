"""The seed's PySpark job (test/spark/streaming_test.py, Spark local[2]) as a benchmark contender
for bench/suite.ts: same query, with the topic, trigger, batch cap and coalesce of the scenario.

    python bench/spark_job.py <bootstrap> <topic> <output path> <checkpoint path> <trigger> <maxOffsets|none> <coalesce>

trigger: `availableNow` (drain what is there, then exit) or the processing-time interval in
seconds (runs until SIGTERM). Prints one JSON line per finished batch on stdout
(`{"batch": id, "rows": n, "triggerExecutionMs": ms}`) and `{"started": true}` once the query runs.
"""
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "spark"))
from streaming_test import session, start_query  # noqa: E402


def main():
    bootstrap, topic, path, checkpoint, trigger, max_offsets, coalesce = sys.argv[1:8]
    spark = session(conf={"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"})
    spark.sparkContext.setLogLevel("ERROR")
    trig = {"availableNow": True} if trigger == "availableNow" else {"processingTime": f"{trigger} seconds"}
    q = start_query(spark, bootstrap, path, checkpoint, topic=topic, max_offsets=None if max_offsets == "none" else int(max_offsets), trigger=trig, coalesce=int(coalesce))
    print(json.dumps({"started": True}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = set()

    def report():
        for p in q.recentProgress:
            if p["batchId"] in seen or p["numInputRows"] == 0:
                continue
            seen.add(p["batchId"])
            print(json.dumps({"batch": p["batchId"], "rows": p["numInputRows"], "triggerExecutionMs": p["durationMs"].get("triggerExecution", 0)}), flush=True)

    while q.isActive and not stop.is_set():
        q.awaitTermination(0.5)
        report()
    if q.isActive:
        q.stop()
    report()
    spark.stop()


if __name__ == "__main__":
    main()
