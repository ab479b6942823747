/**
 * The storage seam: the checkpoint, the sink log and the data writers all talk to a Store bound to
 * one base location (an output path or a checkpoint location). Keys are relative to that base,
 * '/'-separated, never starting with '/'. Implementations: S3 (s3:// and s3a://) and the local file
 * system (file://).
 */

export type Scheme = 's3' | 's3a' | 'file'

/** A parsed `s3://bucket/prefix/`, `s3a://…` or `file:///abs/dir/` location. */
export interface Location {
  scheme: Scheme
  /** Bucket name; '' for file://. */
  bucket: string
  /** For S3: the key prefix, '' or ending in '/'. For file: the absolute directory, ending in '/'. */
  prefix: string
  /** The location as the user wrote it (for messages). */
  original: string
}

export interface ObjectInfo {
  /** Relative to the store's base. */
  key: string
  size: number
  /** Epoch milliseconds. */
  lastModified: number
}

export interface PutOptions {
  /**
   * Fail with SLUICE_STORE_CONFLICT when the key exists (`If-None-Match: *`). Stores that do not
   * enforce it (s3rver) let the write through: see Store.conditionalWrites.
   */
  ifNoneMatch?: boolean
}

/** How far a store can be trusted to refuse a second writer of the same key. */
export type ConditionalWrites = 'enforced' | 'ignored' | 'unknown'

/**
 * A file being written: bytes are streamed as multipart parts once they exceed the part size,
 * so memory per open file is bounded by one part. Nothing is visible until close().
 */
export interface ObjectWriter {
  readonly key: string
  /** Bytes accepted so far. */
  readonly bytes: number
  /** Appends bytes; resolves when they are buffered or uploaded (backpressure). */
  write(chunk: Uint8Array): Promise<void>
  /** Bytes buffered in memory right now (not yet uploaded as a part). */
  readonly buffered: number
  /**
   * Bytes of memory this writer holds allocated right now: buffer capacity (not fill), spare
   * part buffers and the bodies of parts in flight. Writer tasks budget memory on this figure.
   */
  readonly allocated: number
  /** Makes the object visible under its key (PutObject, or CompleteMultipartUpload). */
  close(): Promise<ObjectInfo>
  /** Discards everything (AbortMultipartUpload); the key is left as it was. */
  abort(): Promise<void>
}

export interface Store {
  readonly location: Location
  /** Whether conditional writes were seen to be enforced (set by probeConditionalWrites). */
  readonly conditionalWrites: ConditionalWrites
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Buffer | null>
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>
  head(key: string): Promise<ObjectInfo | null>
  /** Every object under the prefix (relative keys), in lexicographic key order. */
  list(prefix: string): Promise<ObjectInfo[]>
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>
  createWriter(key: string): ObjectWriter
  /**
   * Fully qualified URI of a key as Hadoop prints it (`s3a://bucket/a/dt=x%252Fy/part-…json`,
   * `file:/tmp/out/…`), used in `_spark_metadata`.
   */
  uri(key: string): string
  /** Writes a scratch object twice with ifNoneMatch and records whether the second was refused. */
  probeConditionalWrites(scratchKey: string): Promise<ConditionalWrites>
  /**
   * Removes what writers that never closed (a killed process) left behind for keys containing
   * `match`: hidden temporary files (file://) or in-progress multipart uploads (S3). Returns how
   * many were removed. Optional: stores without such leftovers need not implement it.
   */
  sweepIncomplete?(match: string): Promise<number>
  /** Releases sockets and handles. */
  close(): Promise<void>
}

/** What a worker thread needs to open the same store on its side (plain data). */
export interface StoreSpec {
  location: Location
  s3?: S3Settings | undefined
}

export interface S3Settings {
  /** Empty/undefined: the SDK's standard chain (AWS_ENDPOINT_URL_S3, profiles, …). */
  endpoint?: string | undefined
  region?: string | undefined
  forcePathStyle?: boolean | undefined
  /** Static credentials; undefined → the SDK's default provider chain. */
  accessKeyId?: string | undefined
  secretAccessKey?: string | undefined
  sessionToken?: string | undefined
  /** Multipart part size in bytes (default 8 MiB, min 5 MiB). */
  partSize?: number | undefined
  /** Concurrent part uploads per writer. */
  queueSize?: number | undefined
  /** Milliseconds one request (sending and answer) may take before it fails, retriable (default 120 s). */
  requestTimeout?: number | undefined
  /** Milliseconds a request's socket may stay silent before it fails, retriable (default 30 s). */
  socketTimeout?: number | undefined
}
