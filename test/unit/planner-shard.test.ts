import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ownsPartition, parseShard, shardPartitions } from '../../src/planner/index.js'
import { fails, job, parse } from './config-helpers.js'

describe('shards', () => {
  test('count shards own every partition exactly once, new partitions included', () => {
    for (const count of [1, 2, 3, 7]) {
      for (let p = 0; p < 50; p++) {
        const owners = Array.from({ length: count }, (_, index) => index).filter((index) => ownsPartition({ index, count }, p))
        assert.deepEqual(owners, [p % count], `partition ${p} of ${count} shards`)
      }
    }
  })

  test('shardPartitions keeps the owned ones in order; no shard keeps all', () => {
    const parts = [0, 1, 2, 3, 4, 5, 6].map((partition) => ({ topic: 't', partition }))
    assert.deepEqual(shardPartitions({ index: 1, count: 3 }, parts).map((p) => p.partition), [1, 4])
    assert.equal(shardPartitions(undefined, parts), parts)
  })

  test('parseShard reads "index/count" and explains what is wrong', () => {
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 })
    assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 })
    assert.match(parseShard('3/3') as string, /index 3 is not below count 3: shards are numbered 0 to 2/)
    assert.match(parseShard('0/0') as string, /count must be at least 1/)
    assert.match(parseShard('1-3') as string, /expected "index\/count"/)
  })

  test('source.shard reaches the subscription; a bad one names the field', () => {
    const j = parse(job({ source: { subscribe: 'events', shard: '1/3' } }))
    assert.deepEqual(j.source.subscription, { kind: 'subscribe', topics: ['events'], shard: { index: 1, count: 3 } })
    const plain = parse(job({}))
    assert.equal(plain.source.subscription.shard, undefined)
    fails(() => parse(job({ source: { shard: '3/3' } })), 'SLUICE_CONFIG_VALUE', 'source.shard', 'numbered 0 to 2')
  })

  test('one per-partition startingOffsets serves every shard: each keeps its own partitions', () => {
    const offsets = '{"events":{"0":10,"1":11,"2":12,"3":13},"other":{"1":5}}'
    const of = (shard: string) => parse(job({ source: { subscribe: 'events,other', shard, startingOffsets: offsets } })).source.startingOffsets
    assert.deepEqual(of('0/2'), { events: { '0': 10, '2': 12 } })
    assert.deepEqual(of('1/2'), { events: { '1': 11, '3': 13 }, other: { '1': 5 } })
    assert.deepEqual(parse(job({ source: { startingOffsets: offsets } })).source.startingOffsets, JSON.parse(offsets), 'unsharded: all of it')
  })
})
