/**
 * Codes of the S3 and storage area: the `Store` seam over S3 and the local file system. Part of
 * the error table (index.ts); docs/errors.md is generated from it.
 */
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export const STORAGE_AREA: ErrorArea = {
  title: 'S3 and storage',
  intro: [
    'Both the output (`sink.path`) and the checkpoint go through a store: S3 (`s3://`, `s3a://`) ' +
    'or a local directory (`file:///`). AWS SDK errors reach sluice after the SDK\'s own retries ' +
    '(3 attempts by default; set `AWS_MAX_ATTEMPTS` to change this), and sluice then classifies ' +
    'them.',
  ],
}

export const STORAGE_CODES = {
  SLUICE_S3_NO_BUCKET: {
    meaning: 'The bucket does not exist',
    retriable: false,
    what: 'an S3 request failed because the bucket does not exist at the endpoint.',
    why: 'a typo in the bucket name, the wrong `s3.endpoint` or `s3.region`, or the bucket was not created.',
    todo: 'create the bucket, or fix the bucket name in the location (and `s3.endpoint` / `s3.region`).',
    details: '`op` (the S3 operation), `bucket`, `key`, `sdkError`, `status`.',
  },
  SLUICE_S3_ACCESS: {
    meaning: 'S3 denied the request (credentials, policy, clock)',
    retriable: false,
    what:
      'S3 denied the request. This covers HTTP 403, `AccessDenied`, `InvalidAccessKeyId`, ' +
      '`SignatureDoesNotMatch`, expired or invalid tokens, and credential provider failures. The ' +
      'message describes the credentials in use, without showing the secrets.',
    why: 'invalid or expired credentials, a policy that does not allow the action, or a skewed clock.',
    todo:
      'check that the credentials are valid and not expired, that their policy allows the `s3:` ' +
      'action the message names on `arn:aws:s3:::<bucket>`, and that the clock is right.',
    details: '`op`, `bucket`, `key`, `sdkError`, `status`.',
  },
  SLUICE_S3_UNAVAILABLE: {
    meaning: 'S3 unreachable, throttling or failing',
    retriable: true,
    what:
      'an S3 request failed after the SDK\'s retries, because S3 was unreachable, throttling ' +
      '(`SlowDown`, 429) or failing (5xx, timeouts, connection errors), or a `DeleteObjects` answer ' +
      'reported `InternalError`, `SlowDown` or `ServiceUnavailable` for a key. An endpoint that ' +
      'accepts connections but does not answer fails the request after `s3.socketTimeout` (30s of ' +
      'silence) or `s3.requestTimeout` (120s in all). A multipart part is retried on its own first ' +
      '(4 attempts with backoff and jitter). Errors that fit no other class are also treated as this code.',
    why: 'the endpoint is down or unreachable, a network problem, or S3 is overloaded.',
    todo:
      'nothing for a short outage when it happens in a writer task: the batch is retried. If it ' +
      'happens while the checkpoint or sink log is written, the query retries the trigger from the ' +
      'checkpoint; if it outlasts the retries, the query ends: restart it. If it persists, check ' +
      '`s3.endpoint`, the network and the S3 service health.',
    details: '`op`, `bucket`, `key`, `sdkError`, `status`.',
  },
  SLUICE_S3_REQUEST: {
    meaning: 'S3 refused the request for another reason (4xx)',
    retriable: false,
    what: 'S3 refused the request with a 4xx response that is not covered by the codes above.',
    why:
      'bucket settings such as object lock, a KMS key or request payer, or an endpoint that is not ' +
      'a full S3 implementation.',
    todo: 'check the bucket\'s settings and the S3 endpoint. The SDK error in the message names the refusal.',
    details: '`op`, `bucket`, `key`, `sdkError`, `status`.',
  },
  SLUICE_STORE_CONFLICT: {
    meaning: 'A write-once object already exists',
    retriable: false,
    what:
      'a write-once (`If-None-Match: *`) write found the object already there. S3 answered ' +
      '412/409; a local directory found the file already existing.',
    why:
      'another writer (another sluice or Spark query) is writing to the same location. The ' +
      'checkpoint and sink log turn this error into `SLUICE_CHECKPOINT_CONCURRENT` / ' +
      '`SLUICE_SINK_LOG_CONCURRENT`, so you see it under this code only from direct use of a store.',
    todo: 'stop the other writer, or give this query its own checkpoint and output path.',
    details: 'S3: `op`, `bucket`, `key`, `sdkError`, `status`. File: `key`, `path`.',
  },
  SLUICE_STORE_TOO_LARGE: {
    meaning: 'A file would exceed 10,000 multipart parts',
    retriable: false,
    what: 'an output file would need more than 10,000 multipart parts at the current part size.',
    why: 'one writer is producing a very large file (many rows in one partition directory).',
    todo:
      'raise `s3.partSize`, or write smaller files: fewer rows per file, for example with more ' +
      '`coalesce` writers or a finer `partitionBy`.',
    details: '`key`, `partSize`.',
  },
  SLUICE_STORE_KEY: {
    meaning: 'An invalid object key (a bug)',
    retriable: false,
    what:
      'sluice tried to use an invalid store key. The key is empty, starts with `/`, or has an ' +
      'empty, `.` or `..` segment.',
    why: 'a bug in sluice. Keys are built by sluice, not taken from the job file.',
    todo: 'report it, with the key from the message.',
    details: '`key`, `location`.',
  },
  SLUICE_STORE_KEY_TOO_LONG: {
    meaning: 'An S3 key over 1,024 bytes (a too long partition value)',
    retriable: false,
    what:
      'an S3 object key (location prefix + partition directories + file name) is longer than S3\'s ' +
      'limit of 1,024 UTF-8 bytes. sluice checks this before the request; an S3 answer that says so ' +
      '(AWS: `400 KeyTooLongError`; s3rver: a bare `500` for such a key) gives the same code instead ' +
      'of being retried. The message names the key\'s longest part, most often one partition value.',
    why:
      'a `partitionBy` column holds a value that long (a free-text field, a URL, an id list). Its ' +
      'batch cannot be written whatever the retries: a poison range (see ' +
      '[A batch that fails for good](#a-batch-that-fails-for-good)).',
    todo:
      'shorten the column in `select` (for example `substring(col, 1, 200) AS col`, or ' +
      '`sha2(col, 256) AS col` when the value only needs to group rows), or partition by another ' +
      'column; then restart (the batch is re-run with the new select). To skip the records instead, ' +
      'move past the range as described below.',
    details: '`bucket`, `key` (first 2,048 characters), `bytes`, `limit`.',
  },
  SLUICE_SINK_CODEC_UNAVAILABLE: {
    meaning: 'The output codec cannot run on this machine',
    retriable: false,
    what:
      'the npm package behind `sink.compression` (lz4-napi, snappy, @mongodb-js/zstd or ' +
      'libbzip2-wasm) did not load, or the compressor reported an error. It is raised in a writer ' +
      'task when a file first needs the codec; nothing of the batch is committed.',
    why: 'the dependencies were installed on another platform (a copied node_modules) or are incomplete.',
    todo: 'run `npm ci` on this machine so npm installs the prebuilt binary for it, or choose another codec (gzip and deflate need no package).',
    details: '`codec`, `package`.',
  },
  SLUICE_STORE_WRITER_CLOSED: {
    meaning: 'A file written after it was closed (a bug)',
    retriable: false,
    what: 'sluice wrote to an output file, or closed it, after the file was already closed or aborted.',
    why: 'a bug in sluice (a file written after its batch finished).',
    todo: 'report it.',
    details: '`key`, `state` (`closed` or `aborted`).',
  },
  SLUICE_FILE_ACCESS: {
    meaning: 'The local file system denied access',
    retriable: false,
    what: 'a `file://` store operation failed with `EACCES`, `EPERM` or `EROFS`.',
    why: 'this process\'s user may not write there, or the file system is read-only.',
    todo: 'fix the directory permissions, or choose another location.',
    details: '`op`, `path`, `errno`.',
  },
  SLUICE_FILE_NO_SPACE: {
    meaning: 'The local file system is full',
    retriable: false,
    what:
      'a `file://` store operation (an output file, a sink-log or checkpoint entry) failed with ' +
      '`ENOSPC` or `EDQUOT`. The query ends; nothing of the batch in flight is committed, and the ' +
      'files it had completed are removed.',
    why: 'the file system (or the user\'s quota) holding the sink or the checkpoint has no space left.',
    todo:
      'free space or grow the volume (or move `sink.path` / `checkpointLocation`), then start sluice ' +
      'again: it re-runs the uncommitted batch, and every record lands once.',
    details: '`op`, `path`, `errno`.',
  },
  SLUICE_FILE_IO: {
    meaning: 'Another local file system error',
    retriable: 'depends',
    what: 'a `file://` store operation failed for another reason.',
    why:
      'a file stands where a directory is needed, or the reverse ' +
      '(`ENOTDIR`, `EISDIR`, `EEXIST`); or the error is transient (`EMFILE`, `ENFILE`, `EAGAIN`, ' +
      '`EBUSY`, `EIO`).',
    todo:
      'remove the file that is in the way, or check the file system, as the message suggests.',
    retriableNote: 'yes for `EMFILE`, `ENFILE`, `EAGAIN`, `EBUSY` and `EIO`; no otherwise.',
    details: '`op`, `path`, `errno`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>
