/**
 * storage: where bytes go. One Store per base location (the output path, the checkpoint
 * location), on S3 (s3://, s3a://) or a local directory (file://), with streaming writers,
 * conditional writes and Hadoop-style URIs for `_spark_metadata`.
 */

export { createStore } from './create-store.js'
export { encodeUriPath, hadoopUri } from './hadoop-uri.js'
export { checkBucketName, parseLocation } from './location.js'
export { takeRequestStats, type RequestRecord } from './request-stats.js'
export { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, MIN_PART_SIZE } from './s3-writer.js'
export { sweepIncomplete } from './sweep.js'
export type {
  ConditionalWrites,
  Location,
  ObjectInfo,
  ObjectWriter,
  PutOptions,
  S3Settings,
  Scheme,
  Store,
  StoreSpec,
} from './types.js'
