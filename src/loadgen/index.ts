/**
 * Load generator: JSON records into a Kafka topic following a target-rate profile, with event
 * times spread over a window so that the output spans several dt/dth partitions. Used by
 * `sluice loadgen`, the integration tests, bench/ and `sluice tune`.
 */
export { CODECS, type CodecName, useCodec } from './codecs.js'
export {
  DEFAULT_PARTITIONS,
  KEY_MODES,
  type KeyMode,
  LOADGEN_FLAGS,
  type LoadgenFlags,
  type LoadgenInput,
  type LoadgenOptions,
  loadgenDefaults,
  loadgenOptionsFromFlags,
  parseLoadgenArgs,
  type ProgressMode,
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
export { batchPlan } from './producer.js'
export { parseRateProfile, parseReplayCsv, RateSchedule, type Segment } from './rate-profile.js'
export { breakJson, javaPartition, murmur2, parseSizeDist, RecordFactory } from './records.js'
export {
  type LoadgenHooks,
  type LoadgenProgress,
  type LoadgenResult,
  runLoadgen,
} from './run-loadgen.js'
export { LatencyHistogram, type LatencySummary } from './stats.js'
export { compile as compileTemplate, parseTemplate } from './template.js'
export { lastMidnight, TimePlan, zoneOffsetMs } from './time-plan.js'
export { type CreateTopicFn, type EnsureTopicResult, ensureTopic } from './topic.js'
