export { StreamingQuery, startQuery } from './streaming-query.js'
export type {
  StartQueryOptions,
  StreamingQueryEvents,
  QueryStartedEvent,
  QueryIdleEvent,
  QueryTerminatedEvent,
} from './streaming-query.js'
export type { StreamingQueryProgress, SourceProgress, DurationMs } from './progress.js'
export { progressJson } from './progress.js'
