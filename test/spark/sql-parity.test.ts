/**
 * Spark SQL parity with Spark 3.5 itself, in one process so that the comparisons share one
 * Spark session: from_json (from-json-parity.ts, issue 10 item 6), the JSON writer
 * (writer-parity.ts, item 5), from_json's timestampFormat/dateFormat (datetime-parity.ts), the
 * Kafka source options (kafka-source-parity.ts, issue 8), the writer's codecs (codec-parity.ts),
 * reads through a compaction (compaction-parity.ts, issue 16) and Spark reading sluice's Parquet
 * (parquet-parity.ts, issue 15).
 */
import './from-json-parity.js'
import './writer-parity.js'
import './kafka-source-parity.js'
import './datetime-parity.js'
import './codec-parity.js'
import './compaction-parity.js'
import './parquet-parity.js'
