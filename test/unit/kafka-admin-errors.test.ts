/**
 * Which kafkajs admin errors are a topic changing under a request (retried at the trigger level)
 * and which are not; built from kafkajs's own error classes, as its admin throws them.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import kafkajs from 'kafkajs'
import { isTopicRace } from '../../src/kafka-admin/admin.js'

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError } = kafkajs

const protocol = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: true, message: `${type} from the broker` } as unknown as Error)

test('a topic deleted between listing and ListOffsets (wrapped by kafkajs after its retries) is a topic race', () => {
  const unknown = protocol('UNKNOWN_TOPIC_OR_PARTITION', 3)
  assert.equal(isTopicRace(unknown), true)
  assert.equal(isTopicRace(new KafkaJSNumberOfRetriesExceeded(unknown, { retryCount: 5, retryTime: 1000 })), true)
  assert.equal(isTopicRace(new KafkaJSNumberOfRetriesExceeded(protocol('LEADER_NOT_AVAILABLE', 5), { retryCount: 5, retryTime: 1000 })), true)
})

test('other failures are not: authorization, a bad request, a plain error', () => {
  assert.equal(isTopicRace(protocol('TOPIC_AUTHORIZATION_FAILED', 29)), false)
  assert.equal(isTopicRace(new KafkaJSNumberOfRetriesExceeded(protocol('INVALID_REQUEST', 42), { retryCount: 5, retryTime: 1000 })), false)
  assert.equal(isTopicRace(new KafkaJSNonRetriableError('something else')), false)
  assert.equal(isTopicRace(new Error('UNKNOWN_TOPIC_OR_PARTITION')), false)
  assert.equal(isTopicRace(undefined), false)
})
