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
      'partitions that are new or moving, a topic deleted or re-created between listing the ' +
      'topics and asking for their offsets, or a broker-side error that kafkajs reports (the ' +
      'message includes its name).',
    todo:
      'nothing when it is transient: the query retries the trigger. If it persists, the kafkajs ' +
      'error name in the message points to the cause (authorization, unknown topic, …).',
    retriableNote:
      'retriable for missing offsets, for a topic or leader changing under the request ' +
      '(UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, even after ' +
      "kafkajs's own retries), and for other admin failures unless kafkajs marks the error as not " +
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
  SLUICE_KAFKA_NO_OFFSET_FOR_TIMESTAMP: {
    meaning: 'A starting timestamp matches no offset in a partition',
    retriable: false,
    what:
      '`source.startingTimestamp` or `source.startingOffsetsByTimestamp` is set, and Kafka ' +
      '(ListOffsets by timestamp) has no offset in some partition whose record timestamp is at or ' +
      'after the given one. Raised when a new checkpoint plans its first batch, with ' +
      '`startingOffsetsByTimestampStrategy: error` (the default, as in Spark, whose message ' +
      '"No offset matched from request of topic-partition … and timestamp …" this one contains).',
    why:
      'every record in that partition is older than the timestamp (or the partition is empty), so ' +
      'there is no position at or after it to start from.',
    todo:
      'set `startingOffsetsByTimestampStrategy: latest` to start such partitions at their latest ' +
      'offset, choose an earlier timestamp, or use `startingOffsets`.',
    details: '`partitions` (list of `{topic, partition, timestamp}`).',
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
  // Cloud authentication (src/kafka/sasl/aws-msk-iam.ts, aws-credentials.ts, oidc-token.ts).
  SLUICE_KAFKA_AWS_CREDENTIALS: {
    meaning: 'AWS_MSK_IAM found no AWS credentials, or could not assume the role',
    retriable: 'depends',
    what:
      'the AWS SDK\'s default credential chain gave no credentials to sign the AWS_MSK_IAM payload ' +
      'with, or STS refused `awsRoleArn` (AssumeRole).',
    why:
      'none of the chain\'s sources is set up for this process: environment variables ' +
      '(`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), the shared files ' +
      '`~/.aws/credentials` and `~/.aws/config` (`awsProfileName` or `AWS_PROFILE`), web identity ' +
      '(`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`: EKS IRSA), the container role (ECS, EKS Pod ' +
      'Identity) or the EC2 instance role; or the role\'s trust policy or the caller\'s IAM policy ' +
      'does not allow `sts:AssumeRole`.',
    todo:
      'give the process credentials through one of those sources (on EKS a service account with an ' +
      'IAM role), or fix `awsProfileName` / `awsRoleArn` in `kafka.sasl.jaas.config`. The message ' +
      'names what the SDK reported.',
    retriableNote: 'no when no source has credentials or STS refuses the role; yes when STS fails with a 5xx or cannot be reached.',
    details: '`profile`, or `roleArn`, `region` and `status` (STS\'s HTTP status).',
  },
  SLUICE_KAFKA_AWS_REGION: {
    meaning: 'AWS_MSK_IAM cannot tell which region to sign for',
    retriable: false,
    what:
      'the AWS_MSK_IAM signature needs the cluster\'s AWS region, and none was found.',
    why:
      'the broker host name is not an MSK name (`b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com`, ' +
      'for example behind a DNS alias or a tunnel) and neither `AWS_REGION` nor `AWS_DEFAULT_REGION` is set.',
    todo: 'set `AWS_REGION` to the cluster\'s region, or use the brokers\' MSK host names in `kafka.bootstrap.servers`.',
    details: '`host`.',
  },
  SLUICE_KAFKA_MSK_IAM_REPLY: {
    meaning: 'The broker\'s AWS_MSK_IAM reply is not MSK\'s',
    retriable: false,
    what:
      'the broker accepted the AWS_MSK_IAM payload but did not answer with MSK\'s JSON ' +
      '`{"version":"2020_10_22","request-id":…}`.',
    why: 'the listener is not an MSK IAM listener, or a proxy in between answers instead of MSK.',
    todo:
      'use the cluster\'s IAM bootstrap servers (port 9098, or 9198 for public access) and check ' +
      '`kafka.sasl.mechanism`.',
    details: '`broker`.',
  },
  SLUICE_KAFKA_OAUTH_CLIENT: {
    meaning: 'The OAuth token endpoint refused the client credentials',
    retriable: false,
    what:
      'the token endpoint (`kafka.sasl.oauthbearer.token.endpoint.url`) answered the ' +
      'client-credentials request with 400 or 401 (`invalid_client`, `unauthorized_client`, ' +
      '`invalid_scope`, …), or 403.',
    why:
      'a wrong `clientId` or `clientSecret` in `kafka.sasl.jaas.config` (often an unset `${VAR}`), ' +
      'a client not allowed the client-credentials grant, or a scope the client may not request.',
    todo:
      'check the client id and secret with the identity provider, and the `scope` the broker ' +
      'expects. The message gives the endpoint\'s `error` and `error_description`; it never ' +
      'contains the secret.',
    details: '`endpoint`, `status`, `error` (the OAuth error code).',
  },
  SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT: {
    meaning: 'No token from the OAuth token endpoint',
    retriable: 'depends',
    what:
      'the OAuth token endpoint could not be reached, kept answering with 5xx, answered with another ' +
      '4xx than 400/401/403, or answered with something that is not a token (no `access_token`, or ' +
      'neither `expires_in` nor a JWT `exp`).',
    why:
      'a wrong `kafka.sasl.oauthbearer.token.endpoint.url`, the identity provider is down, or a ' +
      'proxy or firewall in between.',
    todo:
      'check the URL (it is the provider\'s token endpoint, not its issuer or JWKS URL) and that ' +
      'this host reaches it, for example with `curl -u <client id> -d grant_type=client_credentials <url>`.',
    retriableNote:
      'yes for network errors, timeouts, 408, 429 and 5xx, which sluice has already retried with ' +
      'backoff (100 ms doubling, 10 s in all, as the Java client\'s `sasl.login.retry.backoff.*` ' +
      'defaults); the query then retries the trigger. No for other 4xx answers (404: a wrong URL) ' +
      'and for a 2xx answer that holds no token.',
    details: '`endpoint`, `status` (when there was an answer), `attempts`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>
