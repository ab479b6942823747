/**
 * Codes of the Kafka area: the coordinator's admin (src/kafka-admin/) and the workers' wire client
 * (src/kafka/). Part of the error table (index.ts); docs/errors.md is generated from it.
 */
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export const KAFKA_AREA: ErrorArea = {
  title: 'Kafka',
  intro: [
    'The coordinator uses kafkajs (`src/kafka-admin/`) for discovery and offsets, and connects with ' +
    '`source.kafka.*`. The monitoring commits to `kafka.group.id` are sluice\'s own FindCoordinator ' +
    'and OffsetCommit requests, not kafkajs. Writer tasks read with sluice\'s own Fetch client ' +
    '(`src/kafka/`) on worker threads.',
  ],
}

export const KAFKA_CODES = {
  SLUICE_KAFKA_CONNECT: {
    meaning: 'The bootstrap servers cannot be reached',
    retriable: true,
    what:
      'the coordinator cannot reach the Kafka bootstrap servers (at start, or when an admin ' +
      'request fails with a connection error).',
    why:
      'wrong `kafka.bootstrap.servers`, brokers down, or a network, firewall or ' +
      '`advertised.listeners` problem. The message gives the root cause from kafkajs.',
    todo:
      'check `kafka.bootstrap.servers`, check that the brokers are up, and check that this host ' +
      'can reach the addresses the brokers advertise.',
    retriableNote:
      'kafkajs has already retried; the query then retries the trigger (see "What sluice retries ' +
      'by itself") before it gives up. Restart it once Kafka is reachable.',
    details: '`bootstrapServers`.',
  },
  SLUICE_KAFKA_METADATA: {
    meaning: 'An admin request (topics, metadata, offsets) failed',
    retriable: 'depends',
    what:
      'a kafkajs admin request (list topics, describe cluster, fetch topic metadata, fetch ' +
      'offsets) failed, or Kafka returned no offsets for some partitions.',
    why:
      'partitions that are new or moving, or a broker-side error that kafkajs reports (the message ' +
      'includes its name).',
    todo:
      'nothing when it is transient: the query retries the trigger. If it persists, the kafkajs ' +
      'error name in the message points to the cause (authorization, unknown topic, …).',
    retriableNote:
      'retriable for missing offsets, and for admin failures unless kafkajs marks the error as not ' +
      'retriable. A retriable one is raised while a trigger is planned and retried with the trigger ' +
      '(see "What sluice retries by itself"); only a non-retriable one, or one that outlasts those ' +
      'retries, ends the query.',
    details: '`partitions` (missing offsets) or `type` (kafkajs error type).',
  },
  SLUICE_KAFKA_LEADER_NOT_AVAILABLE: {
    meaning: 'A partition has no available leader',
    retriable: true,
    what: 'a subscribed partition has no available leader in the cluster metadata.',
    why: 'the partition is being moved, or its brokers are down.',
    todo: 'wait for the cluster to elect a leader, and check the brokers; then restart.',
    retriableNote:
      'It is raised during partition discovery; the query retries the trigger before it gives up.',
    details: '`topic`, `partition`, `leader` (the leader id Kafka reported).',
  },
  SLUICE_KAFKA_TOPIC_NOT_FOUND: {
    meaning: 'A subscribed topic or assigned partition does not exist',
    retriable: false,
    what:
      'a topic in `source.subscribe`, or a topic or partition in `source.assign`, does not exist ' +
      'on the cluster.',
    why:
      'a typo (names are case-sensitive), or the topic has not been created yet. Raised only ' +
      'before the query\'s first batch (no offsets in its checkpoint yet): a topic or partition ' +
      'deleted after that is data loss (`SLUICE_KAFKA_DATA_LOSS`, or skipped with a warning when ' +
      '`source.failOnDataLoss: false`).',
    todo: 'create the topic, or fix `source.subscribe` / `source.assign`.',
    details: '`topics`, `partitions` (the absent partitions for `assign`, else null).',
  },
  SLUICE_KAFKA_TOPIC_PATTERN: {
    meaning: '`subscribePattern` is not a valid regular expression',
    retriable: false,
    what:
      '`source.subscribePattern` is not a valid regular expression. The whole topic name must ' +
      'match, as with Java\'s `Pattern.matches`.',
    why: 'a syntax error in the pattern. The message includes the regex engine\'s complaint.',
    todo: 'fix `source.subscribePattern`.',
    details: '`pattern`.',
  },
  SLUICE_KAFKA_NOT_CONNECTED: {
    meaning: '`KafkaAdmin` used before `connect()` (API misuse)',
    retriable: false,
    what: '`KafkaAdmin` was used before `connect()` or after `close()`.',
    why: 'a bug in the calling code. The query itself connects first.',
    todo: 'call `connect()` first. If `sluice run` shows this code, report it as a bug.',
    details: 'none.',
  },
  SLUICE_KAFKA_FETCH: {
    meaning: 'A Fetch from a broker failed or made no progress',
    retriable: 'depends',
    what:
      'a writer task\'s Fetch from a partition leader failed. The connection failed, closed or ' +
      'timed out; the broker answered with an error code; or the fetch made no progress after ' +
      'repeated responses.',
    why:
      'the partition moved or its leader is unavailable, the broker went down, or the network ' +
      'dropped the connection. A non-retriable broker error code usually means the topic is ' +
      'missing or this client may not read it (ACLs). A stalled fetch means a record batch is ' +
      'larger than 256 MiB, or the broker returned no records below the high watermark.',
    todo:
      'nothing, when it is retriable: the batch is retried with fresh leaders. If it persists, ' +
      'check that `kafka.bootstrap.servers` and the advertised listeners are reachable from this ' +
      'host. For a stall, raise `kafka.max.partition.fetch.bytes`. For a non-retriable error code, ' +
      'check the topic and the ACLs.',
    retriableNote:
      'yes for connection problems, stalls and retriable Kafka error codes; no for other broker ' +
      'error codes.',
    details:
      '`broker` (`host:port`), plus `nodeId` for connection errors, or `topic`, `partition`, ' +
      '`offset`, `code` (the Kafka error name) and `errorCode` for broker errors.',
  },
  SLUICE_KAFKA_OFFSET_OUT_OF_RANGE: {
    meaning: 'The fetched offset is no longer on the broker',
    retriable: false,
    what: 'the broker answered `OFFSET_OUT_OF_RANGE`: the offset a writer task asked for is not in the log.',
    why: 'retention deleted the records, or the partition was truncated.',
    todo:
      'nothing, usually. The writer task turns this error into `SLUICE_KAFKA_DATA_LOSS`, or skips ' +
      'the missing records when `failOnDataLoss: false`, so it reaches you only from direct use of ' +
      'the Fetch client.',
    details: '`broker`, `topic`, `partition`, `offset`, `logStartOffset`, `highWatermark`.',
  },
  SLUICE_KAFKA_DATA_LOSS: {
    meaning: 'Offsets the query needs are no longer in Kafka',
    retriable: false,
    what:
      'offsets the query needs are no longer in Kafka, and `source.failOnDataLoss` is true (the ' +
      'default). It is raised in two places. When a batch is planned: a start offset is below the ' +
      'partition\'s earliest offset, a partition vanished, offsets went backwards, or a new ' +
      'partition does not start at 0. While a writer reads: the log now starts after the batch\'s ' +
      'range, or ends before it.',
    why:
      'retention deleted the records before sluice read them, or the topic or partition was ' +
      'deleted and re-created. Nothing is committed for the batch.',
    todo:
      'if losing the records is acceptable, set `source.failOnDataLoss: false` and restart. sluice ' +
      'then logs "Skip missing records" and continues from the earliest available offset. ' +
      'Otherwise restore the data, or raise the topic retention (or the read rate: ' +
      '`maxOffsetsPerTrigger`, `workers`) so that the query keeps up.',
    details:
      '`events` (planning: `[{topic, partition, kind, message, startOffset?, earliestOffset?, ' +
      'latestOffset?, continueFrom?}]`, where `kind` is `partitionGone`, `offsetsReset`, ' +
      '`agedOut`, `earliestUnknown` or `newPartitionNotFromZero`). From a writer: `partition` ' +
      '(`topic-partition`), `from`, `to`.',
  },
  SLUICE_KAFKA_PARTITION_GONE: {
    meaning: 'A partition in the batch is no longer in the cluster',
    retriable: false,
    what:
      'a partition in the batch\'s offsets is no longer reported by the cluster, so no writer task ' +
      'can be sent to its leader.',
    why:
      'the topic was deleted or re-created between planning and writing (or before a re-run of an ' +
      'uncommitted batch). Raised only with `source.failOnDataLoss: true` (the default); with ' +
      'false the partition\'s range is left out of the batch, counted in ' +
      '`sluice_kafka_lost_offsets_total` and logged as "Skip missing records".',
    todo: 'restore the topic, or set `source.failOnDataLoss: false` to skip what is missing.',
    details: '`batchId`, `topic`, `partition`.',
  },
  SLUICE_KAFKA_BROKER_VERSION: {
    meaning: 'The broker is too old (no Fetch v4-v11)',
    retriable: false,
    what: 'the broker supports none of Fetch versions 4 to 11.',
    why: 'the broker is older than Kafka 0.11.',
    todo: 'upgrade the brokers.',
    details: '`broker`, `fetch` (the broker\'s supported version range, or null).',
  },
  SLUICE_KAFKA_MESSAGE_FORMAT: {
    meaning: 'Old message format (v0/v1) in the topic',
    retriable: false,
    what:
      'the topic holds messages in the old message format v0 (Kafka 0.8-0.9) or v1 (Kafka 0.10). ' +
      'sluice reads only RecordBatch v2.',
    why: 'the topic or broker still writes the old format (`message.format.version` < 0.11).',
    todo:
      'set `log.message.format.version` / `message.format.version` to 0.11 or higher, or copy the ' +
      'topic with a current producer.',
    details: '`topic`, `partition`, `offset`, `magic`.',
  },
  SLUICE_KAFKA_COMPRESSION_UNSUPPORTED: {
    meaning: 'Record batch codec unknown, or its decompressor does not load on this platform',
    retriable: false,
    what:
      'a record batch cannot be decompressed here. sluice decodes uncompressed, gzip, snappy, lz4 ' +
      'and zstd batches (every Kafka codec); this is either a codec number 5-7, which no Kafka ' +
      'version defines, or a snappy/lz4/zstd batch whose native decompressor (npm packages ' +
      '`snappy`, `lz4-napi`, `@mongodb-js/zstd`) has no prebuilt binary that loads on this platform.',
    why:
      'a corrupt or non-conforming batch; or `node_modules` installed on another platform (copied ' +
      'between machines or images) or with optional dependencies left out (`--omit=optional`).',
    todo:
      'for a missing decompressor, reinstall the dependencies on this machine with `npm ci` ' +
      '(optional dependencies included) so npm picks the binary for this platform; for an unknown ' +
      'codec, inspect the batch with kcat and move the starting offsets past it.',
    details: '`topic`, `partition`, `offset`, `codec`, and `package` for a missing decompressor.',
  },
  SLUICE_KAFKA_CORRUPT_RECORD: {
    meaning: 'A record batch is damaged',
    retriable: false,
    what:
      'a record batch does not decode: its CRC-32C does not match its bytes, its batchLength is ' +
      'below the 49-byte header minimum (a negative length used to loop forever), its record count ' +
      'cannot fit in its bytes, a compressed batch (gzip, snappy, lz4, zstd) does not decompress, ' +
      'or a record runs past the end of its batch.',
    why: 'damaged data on the broker, or a producer that does not follow the format.',
    todo: 'inspect the batch with kcat. To skip it, move the starting offsets past the batch.',
    details:
      '`topic`, `partition`, `offset` (of the batch), `record` (the record\'s index in the batch, ' +
      'when a record overruns).',
  },
  SLUICE_KAFKA_COMMIT: {
    meaning: 'Committing offsets to the monitoring consumer group failed',
    retriable: 'depends',
    what:
      'committing a batch\'s end offsets to `kafka.group.id` failed. This commit is made when ' +
      '`commitOffsets` is true, and only feeds consumer-group lag tools.',
    why:
      'the group coordinator cannot be found or reached, the coordinator refused a partition, or ' +
      'the group has active members, so a commit from outside the group is refused.',
    todo:
      'nothing for transient failures: the checkpoint holds the real offsets, and the next batch ' +
      'commits again. If the group has active members, set `kafka.group.id` to a group that only ' +
      'sluice uses. The query logs this error as a warning and goes on; it never ends the query.',
    retriableNote:
      'no when the group has active members; yes when the coordinator cannot be reached or has ' +
      'moved.',
    details: '`groupId`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>
