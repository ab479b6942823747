/**
 * The crash test (crash-exactly-once.test.ts) on a real Apache Kafka, the 3.9 line (1 broker):
 * the same assertions (test/helpers/e2e-suites.ts), fewer kills (8, each at a random moment
 * within 1.5 s after the run's first commit, since start-up beside a JVM broker is slower than the
 * mock's random window) and records (30,000 at 1,000 records/s, so that
 * records still flow when the later runs start) to keep make test short. The load generator may fall behind that rate beside
 * a JVM broker on a loaded 2-core machine (--rate-tolerance 1): the test checks that every record
 * was produced and landed once, not the rate.
 */
import { crashSuite } from '../helpers/e2e-suites.js'

crashSuite('3.9', { kills: Number(process.env.CRASH_KILLS ?? 8), records: 30_000, rate: 1000, rateTolerance: 1, killAfterBatch: true })
