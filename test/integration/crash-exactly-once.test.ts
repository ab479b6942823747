/**
 * The crash test on the embedded stack (librdkafka's mock cluster): while a load generator keeps
 * producing, sluice is killed with SIGKILL at 8 random moments (mid-fetch, mid-upload,
 * between `_spark_metadata/N` and `commits/N`, …), then run to completion. Every produced record
 * must appear exactly once, through `_spark_metadata` and through a plain listing of the output
 * prefix. The same check on a real Apache Kafka: crash-exactly-once-real.test.ts.
 */
import { crashSuite } from '../helpers/e2e-suites.js'

crashSuite('mock', { kills: Number(process.env.CRASH_KILLS ?? 8) })
