/**
 * Spark SQL parity with Spark 3.5 itself, in one process so that the comparisons share one
 * Spark session: from_json (from-json-parity.ts, issue 10 item 6), the JSON writer
 * (writer-parity.ts, item 5), the Kafka source options (kafka-source-parity.ts, issue 8) and
 * Spark reading sluice's Parquet (parquet-parity.ts, issue 15).
 */
import './from-json-parity.js'
import './writer-parity.js'
import './kafka-source-parity.js'
// datetime-parity.ts (from_json timestampFormat/dateFormat) is not run yet: its CORRECTED-policy
// comparison still met Spark's SparkUpgradeException (the conf set did not take effect); see the module.
import './codec-parity.js'
import './parquet-parity.js'
