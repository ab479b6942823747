export * from './types.js'

/** The module piscina loads in each worker thread. */
export const writerTaskFile = new URL('./writer-task.js', import.meta.url).href
