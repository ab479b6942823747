/**
 * Codes of the config area: the job file and the options derived from it. Part of the error table
 * (index.ts); docs/errors.md is generated from it.
 */
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export const CONFIG_AREA: ErrorArea = {
  title: 'Config',
  intro: [
    'Configuration errors stop sluice before it connects to Kafka or S3. The exceptions are ' +
    '`SLUICE_CONFIG_S3_*` (raised when the S3 client is created) and ' +
    '`SLUICE_CONFIG_STARTING_OFFSETS` (raised when the first batch of a new checkpoint is ' +
    'planned). `sluice check <job.yaml>` reports every code in this section except those.',
    'Once the job file has been read and parsed, its keys and values are checked as a whole. ' +
    'Each problem is collected with its field path (for example ' +
    '`source.kafka.bootstrap.servers`), and all of them are reported in one error. If every ' +
    'problem has the same code, the error carries that code; otherwise it carries ' +
    '`SLUICE_CONFIG_INVALID`. Such errors have `details.file` (the job file) and ' +
    '`details.problems`: a list of `{code, path, message}`, one entry per problem.',
  ],
}

export const CONFIG_CODES = {
  SLUICE_CONFIG_READ: {
    meaning: 'The job file cannot be read',
    retriable: false,
    what: 'the job file cannot be read.',
    why: 'the path does not exist, permission is denied, or the path is a directory. The message says which.',
    todo: 'pass the path of a YAML or JSON job file (see `examples/streaming-test.yaml`).',
    details: '`file`.',
  },
  SLUICE_CONFIG_SYNTAX: {
    meaning: 'The job file is not valid YAML/JSON',
    retriable: false,
    what:
      'the job file is not valid YAML/JSON. The message gives the line and column of the first ' +
      'error, says how many more there are, and shows the offending excerpt.',
    why:
      'inconsistent indentation, a missing `key: value` pair, a duplicate key (duplicates are ' +
      'errors, not "last one wins"), or an unquoted value that contains `: ` or starts with a YAML ' +
      'indicator (`{ [ * & ! | > \' " % @` or a backtick).',
    todo: 'fix the file at that position, quoting values where needed.',
    details: '`file`, `errors` (`[{where, message, line, column}]`).',
  },
  SLUICE_CONFIG_ENV: {
    meaning: 'A `${VAR}` reference is unset or malformed',
    retriable: false,
    what: '`${VAR}` interpolation failed at a field.',
    why:
      'the environment variable is not set and the reference has no default, or the reference is ' +
      'malformed (the name must consist of letters, digits and `_`).',
    todo:
      'export the variable, or give it a default with `${NAME:-value}`. To write a literal `${`, ' +
      'use `$${`.',
    details: '`file`, `problems` (the `path` of each problem is the field).',
  },
  SLUICE_CONFIG_UNKNOWN_KEY: {
    meaning: 'A key no option has (typo, wrong section)',
    retriable: false,
    what: 'a key in the job file matches no option. Unknown keys are never ignored.',
    why:
      'a typo, or a key in the wrong section. The message suggests the closest known key ("did you ' +
      'mean …?"), names the section the key belongs in, or lists the known keys.',
    todo: 'rename or move the key as suggested.',
    details: '`file`, `problems`.',
  },
  SLUICE_CONFIG_UNSUPPORTED: {
    meaning: 'A Spark option or value sluice knows but does not support',
    retriable: false,
    what: 'an option or value that sluice recognises, but does not support or that does not apply here.',
    why:
      'Spark options sluice does not take (for example a `kafka.*` client option it does not pass ' +
      'on, a Hadoop `spark.hadoop.fs.s3a.*` setting, a sink format other than JSON, parse mode ' +
      '`DROPMALFORMED`, or a continuous trigger). The message gives the reason and the ' +
      'replacement: Hadoop S3A settings map to the `s3` section, and a consumer-group subscription ' +
      'maps to `kafka.group.id` with `commitOffsets`.',
    todo: 'remove the option, or use the replacement the message names.',
    details: '`file`, `problems`.',
  },
  SLUICE_CONFIG_REQUIRED: {
    meaning: 'A required option is missing',
    retriable: false,
    what:
      'a required option is missing (for example `source.kafka.bootstrap.servers`, `schema`, ' +
      '`sink.path` or `sink.checkpointLocation`).',
    why:
      'the option is absent, or it was set to a `${VAR}` that expanded to an empty string. The ' +
      'message says which, and gives the option\'s type and description.',
    todo: 'add the option.',
    details: '`file`, `problems`.',
  },
  SLUICE_CONFIG_VALUE: {
    meaning: 'An option has a wrong value or type',
    retriable: false,
    what:
      'an option has a value of the wrong type or outside its range, or the file as a whole is ' +
      'wrong. Examples: the file is empty or not a mapping; a section is not a mapping; the same ' +
      'key is given twice in different case; `sink.partitionBy` names a column twice; ' +
      '`sink.checkpointLocation` is the same place as `sink.path`; only one of `s3.accessKeyId` ' +
      'and `s3.secretAccessKey` is set; a trigger is not recognised.',
    why: 'the message shows the value it got and the form it expects, with an example.',
    todo: 'fix the value as the message says.',
    details: '`file`, and `problems` when the job-file check raised it.',
  },
  SLUICE_CONFIG_PATH: {
    meaning: '`sink.path` / `sink.checkpointLocation` is not a usable location',
    retriable: false,
    what: '`sink.path` or `sink.checkpointLocation` is not a usable location.',
    why:
      'a scheme sluice does not write to (`s3n://`, `hdfs://`, `gs://`, `abfs://`, an `http(s)://` ' +
      'endpoint URL), an invalid S3 bucket name, or a `.` / `..` path segment. The message gives ' +
      'the reason and the accepted forms (`s3://`, `s3a://`, `file:///`). Through the API, a ' +
      '`Location` with a scheme no store handles also raises this code; build locations with ' +
      '`parseLocation()`.',
    todo:
      'write the location in one of the accepted forms. An S3 endpoint URL belongs in ' +
      '`s3.endpoint`, not in the location.',
    details: '`value` (the location). From the job-file check: `file`, `problems`.',
  },
  SLUICE_CONFIG_SOURCE: {
    meaning: 'The Kafka source options conflict',
    retriable: false,
    what: 'the Kafka source options conflict.',
    why:
      'none or more than one of `subscribe`, `subscribePattern` and `assign` is set, or ' +
      '`minOffsetsPerTrigger` is higher than `maxOffsetsPerTrigger` (Spark rejects both as well).',
    todo:
      'set exactly one of `subscribe`, `subscribePattern` or `assign`; lower ' +
      '`minOffsetsPerTrigger` or raise `maxOffsetsPerTrigger`.',
    details: '`file`, `problems`.',
  },
  SLUICE_CONFIG_INVALID: {
    meaning: 'Several problems with different codes',
    retriable: false,
    what:
      'the job file has several problems with different codes. The message lists each problem on ' +
      'its own line, prefixed with its field path.',
    why: 'see each problem\'s own code in `details.problems[i].code`.',
    todo: 'fix each listed problem. All of them are reported at once, so one pass is enough.',
    details: '`file`, `problems` (`[{code, path, message}]`).',
  },
  SLUICE_CONFIG_SCHEMA: {
    meaning: 'The `schema` DDL cannot be parsed or used',
    retriable: false,
    what: 'the `schema` (Spark DDL) cannot be parsed, or it declares something `from_json` cannot read.',
    why:
      'a character or token that is not Spark DDL, an unclosed backtick or `COMMENT` string, an ' +
      'empty schema, an unsupported type, a `MAP` whose key is not `STRING`, or a ' +
      '`columnNameOfCorruptRecord` column that is not `STRING`. The message gives the position and ' +
      'the token.',
    todo:
      'write the schema as Spark DDL (for example `message STRING, id BIGINT, tags ' +
      'ARRAY<STRING>`), using the supported types the message lists.',
    details: '`position`, `token`, `schema` for parse errors; `field` for type errors.',
  },
  SLUICE_CONFIG_SELECT: {
    meaning: 'A `select` expression cannot be parsed or compiled',
    retriable: false,
    what: 'a `select` expression cannot be parsed or compiled.',
    why:
      'a syntax error (unexpected character, unclosed backtick or string), a column or field that ' +
      'does not exist, `.*` on something that is not a struct, a `CAST` to an unsupported type, ' +
      '`date_format` with wrong arguments or an unsupported pattern letter, `headers` without ' +
      '`includeHeaders: true`, two output columns with the same name (names are case-insensitive), ' +
      'or an empty `select`.',
    todo:
      'fix the expression. The message lists the supported forms, the known columns and the ' +
      'supported `date_format` pattern letters. Put literal text in patterns in single quotes.',
    details: '`expression`; `column` for duplicate output names.',
  },
  SLUICE_CONFIG_PARTITION_BY: {
    meaning: '`sink.partitionBy` does not fit the select output',
    retriable: false,
    what: '`sink.partitionBy` does not fit the select output.',
    why:
      'a partition column is not in the select output, is listed twice, or is not an atomic type; ' +
      'or every output column is a partition column, so the files would be empty.',
    todo:
      'add the column to `select` (for example `date_format(timestamp, \'yyyy-MM-dd\') AS dt`), or ' +
      'remove it from `partitionBy`. Keep at least one column out of `partitionBy`.',
    details: '`field` (the column), `columns` (the select output) when the column is missing.',
  },
  SLUICE_CONFIG_TIMEZONE: {
    meaning: 'The session time zone cannot be used',
    retriable: false,
    what:
      'the session time zone (`conf.spark.sql.session.timeZone`, or the process\'s zone by default) ' +
      'cannot be used for `date_format` and timestamps.',
    why: 'it is not a known IANA zone, or it is a fixed offset outside ±18:00.',
    todo:
      'set `spark.sql.session.timeZone` to an IANA name such as `UTC` or `Asia/Seoul`, or to a ' +
      'fixed offset such as `+09:00`.',
    details: '`timeZone`.',
  },
  SLUICE_CONFIG_S3_CREDENTIALS: {
    meaning: 'Only one of the static S3 credentials is set',
    retriable: false,
    what:
      'when the S3 store was created at query start, only one of `s3.accessKeyId` and ' +
      '`s3.secretAccessKey` was non-empty. The job-file check reports a missing one as ' +
      '`SLUICE_CONFIG_VALUE`, so this code comes from one that is set to an empty string, or from ' +
      'settings passed through the API.',
    why: 'static credentials need both values.',
    todo:
      'set the missing one, or remove the other to use the AWS SDK\'s default credential chain ' +
      '(environment variables, `AWS_PROFILE`, web identity, instance role).',
    details: '`field` (the missing setting).',
  },
  SLUICE_CONFIG_S3_ENDPOINT: {
    meaning: '`s3.endpoint` is not an http(s) URL',
    retriable: false,
    what:
      '`s3.endpoint` is not an `http://` or `https://` URL. It is raised when the S3 store is ' +
      'created at query start.',
    why: 'a bare host, a missing scheme, or a typo.',
    todo:
      'write it as `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`, or leave it ' +
      'empty for AWS.',
    details: '`field`, `value`.',
  },
  SLUICE_CONFIG_STARTING_OFFSETS: {
    meaning: 'Specific `startingOffsets` (or `startingOffsetsByTimestamp`) do not match the topic\'s partitions',
    retriable: false,
    what:
      '`source.startingOffsets` gives specific offsets (JSON), or `source.startingOffsetsByTimestamp` ' +
      'timestamps per partition, but does not match the subscribed partitions. It is raised when a ' +
      'new checkpoint plans its first batch, after sluice has connected to Kafka.',
    why:
      'as in Spark, specific offsets or timestamps must name every partition of the subscribed ' +
      'topics and no others. Some partitions are missing from the JSON, or it names partitions ' +
      'that are not in the cluster.',
    todo:
      'add the missing partitions (for offsets `-2` = earliest, `-1` = latest), remove the unknown ' +
      'ones, or use `startingOffsets: earliest | latest` (or `startingTimestamp` for one time for ' +
      'every partition).',
    details: '`missing`, `unknown` (lists of `topic-partition`).',
  },
} as const satisfies Record<string, ErrorCodeInfo>
