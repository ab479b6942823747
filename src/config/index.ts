/**
 * The job file: load, interpolate, validate, normalise. Everything downstream reads the returned
 * {@link JobConfig}, never the raw file. docs/config.md is generated from the schema here
 * (`renderConfigDoc`, run by tools/gen-config-doc.ts).
 */
export { renderConfigDoc } from './config-doc.js'
export type { FieldDoc, SectionDoc } from './fields.js'
export type { Env } from './interpolate.js'
export { jobSchema } from './job-schema.js'
export { loadJob, type ParseJobOptions, parseJob } from './load.js'
export { ConfigCode, type Problem } from './problems.js'
export type * from './types.js'
export { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js'
