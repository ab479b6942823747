/**
 * Load generator: JSON records into a Kafka topic at a chosen rate, with event times spread
 * over a window so that the output spans several dt/dth partitions. Used by `sluice loadgen`,
 * the integration tests and bench/.
 */
export {
  DEFAULT_PARTITIONS,
  type KeyMode,
  type LoadgenInput,
  type LoadgenOptions,
  loadgenDefaults,
  loadgenUsage,
  parseLoadgenArgs,
  resolveLoadgenOptions,
  validateLoadgenOptions,
} from './options.js'
export {
  type LoadgenRecordId,
  type Profile,
  type ProfileFactory,
  type ProfileOptions,
  parseLoadgenMessage,
  profiles,
  seededRandom,
} from './profile.js'
export {
  type LoadgenHooks,
  type LoadgenProgress,
  type LoadgenResult,
  runLoadgen,
} from './run-loadgen.js'
export { TimePlan } from './time-plan.js'
export { type CreateTopicFn, type EnsureTopicResult, ensureTopic } from './topic.js'
