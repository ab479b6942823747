/**
 * sluice's typed API: the same job options as the YAML file, and Spark's listener model.
 *
 *   import { loadJob, startQuery } from 'sluice'
 *   const query = await startQuery(await loadJob('job.yaml'))
 *   query.on('progress', (p) => console.log(p.batchId, p.numInputRows))
 *   await query.awaitTermination()
 */
export { loadJob, parseJob } from './config/index.js'
export type { JobConfig, Trigger, SourceConfig, SinkConfig } from './config/types.js'
export { startQuery, StreamingQuery } from './query/index.js'
export type * from './query/index.js'
export { SluiceError, isSluiceError, type ErrorCode } from './errors.js'
