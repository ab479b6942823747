export { attachMonitoring, type Monitoring, type MonitoredQuery } from './monitoring.js'
export { QueryMetrics, type PartitionLag } from './query-metrics.js'
export type { SourceStatus } from './lag-tracker.js'
