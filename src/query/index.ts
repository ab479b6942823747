export { StreamingQuery, startQuery } from './streaming-query.js'
export type {
  StartQueryOptions,
  StreamingQueryEvents,
  QueryStartedEvent,
  QueryIdleEvent,
  QueryTerminatedEvent,
} from './streaming-query.js'
export type { StreamingQueryProgress, SourceProgress, DurationMs } from '../metrics/progress.js'
export { progressJson } from '../metrics/progress.js'
