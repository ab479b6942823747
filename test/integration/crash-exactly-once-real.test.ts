/**
 * The crash test (crash-exactly-once.test.ts) on a real Apache Kafka, the 3.9 line (1 broker):
 * the same assertions (test/helpers/e2e-suites.ts), fewer kills (6) and records (40,000) to keep
 * make test short.
 */
import { crashSuite } from '../helpers/e2e-suites.js'

crashSuite('3.9', { kills: Number(process.env.CRASH_KILLS ?? 6), records: 40_000 })
