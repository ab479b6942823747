// Types of the two pure-JS compression libraries the load generator uses (they ship none).
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array
  export function uncompress(input: Uint8Array): Uint8Array
  const snappy: { compress: typeof compress; uncompress: typeof uncompress }
  export default snappy
}
declare module 'lz4js' {
  /** LZ4 frame format. */
  export function compress(input: Uint8Array): Uint8Array
  export function decompress(input: Uint8Array): Uint8Array
  const lz4: { compress: typeof compress; decompress: typeof decompress }
  export default lz4
}
