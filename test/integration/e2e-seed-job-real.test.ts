/**
 * The seed job's end-to-end check (e2e-seed-job.test.ts) on a real Apache Kafka, the newest 4.x
 * line (1 broker): the same assertions (test/helpers/e2e-suites.ts), a smaller backlog (20,000
 * records, 10 batches at the job's maxOffsetsPerTrigger 2000) to keep make test short.
 */
import { seedJobSuite } from '../helpers/e2e-suites.js'

seedJobSuite('4', { records: 20_000 })
