export * from './types.js'
export { compileTaskProjection } from './compile-projection.js'

/** The module piscina loads in each worker thread. */
export const writerTaskFile = new URL('./writer-task.js', import.meta.url).href
