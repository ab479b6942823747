/**
 * The seed job file, unchanged, on the embedded stack (librdkafka's mock cluster): a hundred thousand
 * records spanning several hours, drained with `--trigger availableNow`, then checked
 * record by record against what Kafka holds, through `_spark_metadata` and through a plain
 * listing. The same check on a real Apache Kafka: e2e-seed-job-real.test.ts (test/helpers/e2e-suites.ts).
 */
import { seedJobSuite } from '../helpers/e2e-suites.js'

seedJobSuite('mock', { records: 100_000 })
