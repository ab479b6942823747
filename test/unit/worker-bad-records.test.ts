/**
 * sink.badRecordsPath (issue 15 item 5), without Kafka: the line a bad record becomes, the intent
 * that lists the bad-records file, the merge writer that writes it (beside the data files, never
 * among them), and the removal before a re-run (attempt-cleanup.ts). End to end with the CLI:
 * test/integration/query-output.test.ts.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { removeAttempts, sweepAttempts } from '../../src/commit/attempt-cleanup.js'
import { intentKey, parseIntent, serializeIntent } from '../../src/commit/intents.js'
import { createLogger } from '../../src/log.js'
import type { KafkaRecord } from '../../src/sql/index.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import { BAD_RECORDS_DIR, BadRecordEncoder, badRecordsKey } from '../../src/worker/bad-records.js'
import { MergeWriter } from '../../src/worker/merge-writer.js'
import type { TaskProjection, WriterSpec } from '../../src/worker/types.js'
import { tempDir } from '../helpers/query-fixtures.js'
import { fileWriterSpec } from './commit-helpers.js'

const roots: string[] = []
after(async () => {
  for (const d of roots) await rm(d, { recursive: true, force: true })
})

const PROJECTION: TaskProjection = {
  schema: 'message STRING, n INT',
  select: ['json_data.*'],
  partitionBy: [],
  timeZone: 'UTC',
  mode: 'DROPMALFORMED',
  columnNameOfCorruptRecord: '_corrupt_record',
  includeHeaders: false,
}

function record(value: string | null, key: string | null = null): KafkaRecord {
  const k = key === null ? Buffer.alloc(0) : Buffer.from(key)
  const v = value === null ? Buffer.alloc(0) : Buffer.from(value)
  return {
    topic: 'events',
    partition: 3,
    offset: 41,
    timestamp: Date.UTC(2026, 11, 1, 12, 0, 0, 5),
    timestampType: 0,
    buf: Buffer.concat([k, v]),
    keyStart: key === null ? -1 : 0,
    keyEnd: key === null ? -1 : k.length,
    valueStart: value === null ? -1 : k.length,
    valueEnd: value === null ? -1 : k.length + v.length,
    headers: null,
  }
}

describe('BadRecordEncoder', () => {
  const enc = new BadRecordEncoder(PROJECTION)
  test('one JSON line: Kafka coordinates, key, the value as text and the reason', () => {
    assert.deepEqual(JSON.parse(enc.line(record('{"message": broken', 'k-1'))), {
      topic: 'events',
      partition: 3,
      offset: 41,
      timestamp: '2026-12-01T12:00:00.005Z',
      timestampType: 0,
      key: 'k-1',
      record: '{"message": broken',
      reason: JSON.parse(enc.line(record('{"message": broken'))).reason,
    })
    assert.ok(enc.reason(record('{"message": broken')).length > 0)
  })

  test('the reason names what from_json refused, as FAILFAST would', () => {
    assert.match(enc.reason(record('[1,2]')), /an array, not an object/)
    assert.match(enc.reason(record('{"message":"x","n":"seven"}')), /field 'n' is INT/)
  })

  test('a value that is not UTF-8 is written as Spark casts it (U+FFFD)', () => {
    const r = record('x')
    r.buf = Buffer.from([0xff, 0xfe, 0x7b])
    r.valueStart = 0
    r.valueEnd = 3
    assert.equal((JSON.parse(new BadRecordEncoder(PROJECTION).line(r)) as { record: string }).record, '\ufffd\ufffd{')
  })
})

describe('intents with badRecords', () => {
  test('round trip; the field is left out when there are none (the format stays as it was)', () => {
    const i = { batchId: 4, attempt: 'a', writer: 1, keys: ['x.json'], badRecords: [badRecordsKey(4, 1, 'q')] }
    assert.deepEqual(parseIntent(Buffer.from(serializeIntent(i)), 'i'), i)
    assert.equal(serializeIntent({ batchId: 4, attempt: 'a', writer: 1, keys: [] }), '{"batchId":4,"attempt":"a","writer":1,"keys":[]}')
    assert.equal(badRecordsKey(4, 1, 'q'), 'batchId=4/part-00001-q.json')
  })
})

async function setup(): Promise<{ root: string; spec: WriterSpec }> {
  const root = await tempDir('sluice-bad-')
  roots.push(root)
  const spec = await fileWriterSpec(root, 2, 0, 'bad-records-test', {
    badRecords: { store: { location: parseLocation(`file://${root}/bad/`) }, key: badRecordsKey(2, 0, 'qid') },
  })
  return { root, spec }
}

describe('MergeWriter with badRecordsPath', () => {
  test('bad-record blocks go to the bad-records file, listed in an intent, not among the data files', async () => {
    const { root, spec } = await setup()
    const w = new MergeWriter(spec)
    await w.append('dt=a', Buffer.from('{"message":"ok"}\n'), 1)
    await w.append(BAD_RECORDS_DIR, Buffer.from('{"offset":1}\n{"offset":2}\n'), 2)
    await w.append(BAD_RECORDS_DIR, Buffer.from('{"offset":3}\n'), 1)
    const files = await w.finish()
    assert.deepEqual(
      files.map((f) => f.key),
      ['dt=a/part-00000-00000000-0000-4000-8000-000000000002-c000.json'],
    )
    assert.equal(w.badRecordsFile?.key, 'batchId=2/part-00000-qid.json')
    assert.equal(w.badRecordsFile?.rows, 3)
    assert.equal(await readFile(join(root, 'bad', 'batchId=2', 'part-00000-qid.json'), 'utf8'), '{"offset":1}\n{"offset":2}\n{"offset":3}\n')
    const dir = join(root, 'cp', 'sluice', 'intents', '2', spec.fileUuid)
    const intents = await Promise.all((await readdir(dir)).map(async (f) => parseIntent(await readFile(join(dir, f)), f)))
    assert.deepEqual(intents.flatMap((i) => i.badRecords ?? []), ['batchId=2/part-00000-qid.json'])
  })

  test('a writer whose batch has only bad records still writes an intent for the file', async () => {
    const { root, spec } = await setup()
    const w = new MergeWriter(spec)
    await w.append(BAD_RECORDS_DIR, Buffer.from('{"offset":9}\n'), 1)
    assert.deepEqual(await w.finish(), [])
    assert.equal(await readFile(join(root, 'bad', 'batchId=2', 'part-00000-qid.json'), 'utf8'), '{"offset":9}\n')
    assert.equal((await readdir(join(root, 'cp', 'sluice', 'intents', '2', spec.fileUuid))).length, 1)
  })

  test('abort leaves no bad-records file', async () => {
    const { root, spec } = await setup()
    const w = new MergeWriter(spec)
    await w.append(BAD_RECORDS_DIR, Buffer.from('{"offset":9}\n'), 1)
    await w.abort()
    assert.deepEqual(await readdir(join(root, 'bad')).catch(() => []), [])
  })
})

describe('removal before a re-run', () => {
  test('removeAttempts deletes the listed bad-records files; the sweep after the commit keeps them', async () => {
    const root = await tempDir('sluice-bad-cleanup-')
    roots.push(root)
    const checkpoint = createStore({ location: parseLocation(`file://${root}/cp/`) })
    const output = createStore({ location: parseLocation(`file://${root}/out/`) })
    const badRecords = createStore({ location: parseLocation(`file://${root}/bad/`) })
    const stores = { checkpoint, output, badRecords, log: createLogger({ level: 'silent' }), swept: new Set<string>() }
    const put = async (rel: string): Promise<void> => {
      await mkdir(join(root, rel, '..'), { recursive: true })
      await writeFile(join(root, rel), '{}\n')
    }
    await put('out/part-00000-a-c000.json')
    await put('bad/batchId=5/part-00000-q.json')
    await put('bad/batchId=5/part-00001-q.json')
    const intent = (writer: number, keys: string[], bad: string[]) =>
      checkpoint.put(intentKey(5, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', writer, 0), serializeIntent({ batchId: 5, attempt: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', writer, keys, badRecords: bad }))
    await intent(0, ['part-00000-a-c000.json'], ['batchId=5/part-00000-q.json'])
    await intent(1, [], ['batchId=5/part-00001-q.json'])
    // After a commit whose _spark_metadata lists nothing of this attempt: data files go, bad-records files stay.
    await sweepAttempts(stores, 5, async () => new Set(), null, 0)
    assert.deepEqual(await readdir(join(root, 'out')), [])
    assert.deepEqual((await readdir(join(root, 'bad', 'batchId=5'))).sort(), ['part-00000-q.json', 'part-00001-q.json'])
    // Before a re-run: every listed bad-records file goes.
    await intent(0, [], ['batchId=5/part-00000-q.json'])
    await intent(1, [], ['batchId=5/part-00001-q.json'])
    assert.equal(await removeAttempts(stores, 5), 2)
    assert.deepEqual(await readdir(join(root, 'bad', 'batchId=5')).catch(() => []), [])
  })
})
