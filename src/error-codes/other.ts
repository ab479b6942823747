/**
 * Codes of the records, CLI and loadgen, monitoring and internal areas. Part of the error table
 * (index.ts); docs/errors.md is generated from it.
 */
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export const RECORDS_AREA: ErrorArea = {
  title: 'Records',
  intro: [],
}

export const RECORDS_CODES = {
  SLUICE_RECORD_MALFORMED: {
    meaning: 'A record is malformed and the parse mode is FAILFAST',
    retriable: false,
    what:
      'with `sink.mode: FAILFAST`, a record\'s value is not valid JSON, is JSON but not an object, ' +
      'or has a field whose JSON value does not fit the schema type. The message names the record ' +
      '(`topic-partition offset`), gives the reason, and shows the first 200 characters of the ' +
      'value. It is raised in a writer task and crosses the thread boundary as data.',
    why: 'the producer wrote something other than the schema describes.',
    todo:
      'fix the producer, or set `sink.mode: PERMISSIVE`. Malformed records then become null ' +
      'fields, and their raw text goes into the `columnNameOfCorruptRecord` column if the schema ' +
      'declares it as `STRING`. Nothing was committed for the batch, so it is re-run on restart.',
    details: '`topic`, `partition`, `offset`, `reason`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>

export const CLI_AREA: ErrorArea = {
  title: 'CLI and loadgen',
  intro: [],
}

export const CLI_CODES = {
  SLUICE_CLI_USAGE: {
    meaning: 'Wrong command, flag or argument (exit 2)',
    retriable: false,
    what:
      'an unknown command or flag (with a suggestion when one is close, e.g. `(Did you mean ' +
      '--trigger?)`), a missing or extra argument (`sluice run` takes exactly one job file), a flag ' +
      'value outside its choices (`--key-mode`, `--compression`, `--progress`), or a `sluice tune` ' +
      'flag value it cannot use (`--rate`, the sweep lists, `--embedded` outside a source checkout). ' +
      'Printed as `sluice <command>: <what> [SLUICE_CLI_USAGE]` followed by the command\'s help; exit status 2.',
    why: 'a typo, or a missing or extra argument.',
    todo: 'fix the command line as the help shows (`sluice <command> --help`; every flag in [cli.md](cli.md)).',
    details: 'none.',
  },
  SLUICE_STOP_ABANDONED: {
    meaning: '`sluice run` stopped before the batch in flight finished (deadline or second signal)',
    retriable: false,
    what:
      'after SIGTERM/SIGINT, `sluice run` exited before the batch in flight committed: the graceful ' +
      'stop deadline (`stopTimeout` / `--stop-timeout`, default 25s) passed, or a second signal ' +
      'arrived. The process exits with status 1 (a clean stop exits 0), printing this code.',
    why:
      'the batch was slow to finish: S3 or Kafka not answering (see the log lines before), a very ' +
      'large batch, or a deadline shorter than a batch takes.',
    todo:
      'nothing for the data: nothing of the abandoned batch was committed and the next start re-runs ' +
      'it with the same offsets (its visible files and unfinished uploads are removed first). If ' +
      'stops often hit the deadline, raise `stopTimeout` (and keep it below the pod\'s ' +
      '`terminationGracePeriodSeconds`) or find what made the batch slow.',
    details: '`stopTimeoutMs`.',
  },
  SLUICE_LOADGEN_BAD_ARG: {
    meaning: 'Wrong arguments to `sluice loadgen`',
    retriable: false,
    what:
      '`sluice loadgen` got an unknown option, a missing `--bootstrap` or `--topic`, or a value it ' +
      'cannot use. Examples: a non-numeric or negative number, both or neither of `--count` and ' +
      '`--duration`, an unknown `--profile`, a `--rate-profile`, `--size-dist` or `--template` it ' +
      'cannot read (the message names the part, e.g. the template\'s JSON path or the CSV line), a ' +
      '`--run-id` that is not 8 hex digits, an unknown `--midnight-zone`, `--compression zstd` on a ' +
      'Node.js without zstd, or a topic name that is not valid in Kafka. On the command line it is ' +
      'followed by the help of `sluice loadgen`, exit status 2.',
    why: 'the message names the option and shows the value it got.',
    todo: 'fix the option as the message says.',
    details: '`option`; `argv` for unknown options.',
  },
  SLUICE_LOADGEN_RATE_MISSED: {
    meaning: 'loadgen could not hold its target rate (exit 3)',
    retriable: false,
    what:
      '`sluice loadgen` finished, but fewer than (1 - `--rate-tolerance`) of the records its rate ' +
      'profile scheduled were acknowledged on schedule (by the end of the schedule plus 1 s). The ' +
      'message gives both counts, the share and the profile; the summary line still goes to stdout ' +
      '(`rateHeld: false`), and the exit status is 3.',
    why:
      'the generator (one thread builds and sends at most a few tens of thousands of records a ' +
      'second, see [cli.md](cli.md#the-generators-ceiling-on-this-machine)) or the brokers cannot go ' +
      'as fast as the profile asks.',
    todo:
      'add `--threads`, raise `--max-in-flight` or `--batch-size`, use a lighter `--compression`, or ' +
      'lower the rate. The records produced stay in the topic.',
    details: 'none (printed by the command line; the API returns `rateHeld: false` instead).',
  },
  SLUICE_LOADGEN_CONNECT: {
    meaning: 'loadgen cannot reach Kafka',
    retriable: true,
    what: 'loadgen cannot reach Kafka at `--bootstrap`.',
    why: 'a wrong address, or the brokers are down.',
    todo: 'check `--bootstrap` and that the brokers are up, then run again.',
    details: '`bootstrap`.',
  },
  SLUICE_LOADGEN_TOPIC_MISMATCH: {
    meaning: 'The topic exists with another partition count',
    retriable: false,
    what: 'the topic exists with a different partition count than `--partitions` asks for.',
    why: 'the topic was created earlier with another count.',
    todo: 'drop `--partitions` to use the topic as it is, or pick another `--topic`.',
    details: '`topic`, `partitions` (actual), `wanted`.',
  },
  SLUICE_LOADGEN_TOPIC_CREATE: {
    meaning: 'The topic cannot be created',
    retriable: false,
    what:
      'loadgen could not create the missing topic, or the topic it created reports another ' +
      'partition count.',
    why:
      'the cluster refused the creation (the reason is in the message), or another client created ' +
      'the topic at the same time.',
    todo:
      'create the topic beforehand (`kafka-topics.sh --create`; for `tools/kafka-mock` use ' +
      '`--topic NAME:N` or the `topic NAME N` command) and run again.',
    details: '`topic`, `partitions`, plus `actual` when the count differs.',
  },
  SLUICE_LOADGEN_PRODUCE: {
    meaning: 'Producing failed part-way',
    retriable: true,
    what: 'producing failed after some records had been acknowledged.',
    why: 'a broker error or a lost connection. The reason is in the message.',
    todo: 'check the brokers\' health and run again. Records already acknowledged stay in the topic.',
    details: '`topic`, `produced`, `runId`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>

export const MONITORING_AREA: ErrorArea = {
  title: 'Monitoring',
  intro: [],
}

export const MONITORING_CODES = {
  SLUICE_METRICS_LISTEN: {
    meaning: 'The metrics HTTP server cannot listen',
    retriable: false,
    what:
      'the monitoring HTTP server (`/metrics`, `/progress`, the status page) cannot listen on ' +
      '`metrics.host:metrics.port`.',
    why:
      'usually `EADDRINUSE`: another process, perhaps another sluice, already uses the port. ' +
      'Otherwise the address is not valid on this host. The message gives the error code.',
    todo:
      'set `metrics.port` to a free port (`0` picks any free port, logged at start), or set ' +
      '`metrics.enabled: false`.',
    details: '`host`, `port`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>

export const INTERNAL_AREA: ErrorArea = {
  title: 'Internal',
  intro: [],
}

export const INTERNAL_CODES = {
  SLUICE_INTERNAL: {
    meaning: 'An unexpected error: a bug in sluice',
    retriable: false,
    what:
      'an error that is not a `SluiceError` ended the query, crossed from a worker thread, or ' +
      'reached the CLI. This is a `TypeError`, a `RangeError`, or an error from a library that ' +
      'sluice did not classify.',
    why:
      'a bug in sluice, or a failure mode it does not know yet. The message keeps the original ' +
      'error\'s name, message and errno code; the CLI also prints the stack.',
    todo:
      'report it with the message and stack. Restarting resumes from the checkpoint as after any ' +
      'failure.',
    retriableNote: 'Programmer errors are never retried.',
    details: 'none (the original error is in `cause` when it did not cross a thread).',
  },
} as const satisfies Record<string, ErrorCodeInfo>
