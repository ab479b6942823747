import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { parseLocation } from '../../src/storage/index.js'

test('s3 and s3a locations: bucket, prefix with a trailing slash, scheme kept', () => {
  assert.deepEqual(parseLocation('s3://my-bucket/out/json'), {
    scheme: 's3',
    bucket: 'my-bucket',
    prefix: 'out/json/',
    original: 's3://my-bucket/out/json',
  })
  assert.equal(parseLocation('s3a://my.bucket.1/out/').prefix, 'out/')
  assert.equal(parseLocation('s3a://my.bucket.1/out/').scheme, 's3a')
  assert.equal(parseLocation('s3://bkt').prefix, '')
  assert.equal(parseLocation('s3://bkt/').prefix, '')
  assert.equal(parseLocation('S3A://bkt/x').scheme, 's3a')
  // Taken literally, as Hadoop's Path does.
  assert.equal(parseLocation('s3://bkt/a%20b/c d').prefix, 'a%20b/c d/')
})

test('file locations: absolute directory ending in a slash', () => {
  assert.deepEqual(parseLocation('file:///tmp/out'), {
    scheme: 'file',
    bucket: '',
    prefix: '/tmp/out/',
    original: 'file:///tmp/out',
  })
  assert.equal(parseLocation('file:/tmp/out/').prefix, '/tmp/out/')
  assert.equal(parseLocation('file://localhost/tmp/x').prefix, '/tmp/x/')
  assert.equal(parseLocation('file:///tmp//x').prefix, '/tmp/x/')
  assert.equal(parseLocation('file:///').prefix, '/')
})

function rejects(value: string, fragment: RegExp): void {
  assert.throws(
    () => parseLocation(value),
    (err: unknown) => {
      assert.ok(isSluiceError(err, 'SLUICE_CONFIG_PATH'), `code for ${value}`)
      assert.ok(err.message.includes(`"${value}"`), `message names the value: ${err.message}`)
      assert.match(err.message, /s3:\/\/bucket\/prefix, s3a:\/\/bucket\/prefix or file:\/\/\/absolute\/dir/)
      assert.match(err.message, fragment)
      return true
    },
    value,
  )
}

test('relative and scheme-less paths are rejected with a hint', () => {
  rejects('out/json', /relative paths are not accepted/)
  rejects('./out', /no scheme/)
  rejects('/tmp/out', /file:\/\/\/tmp\/out/)
  rejects('file:out', /must be absolute/)
  rejects('file://tmp/out', /host name.*file:\/\/\/tmp\/out/)
  rejects('', /empty/)
  rejects(' s3://bkt/x', /white space/)
})

test('other schemes are rejected, naming the scheme', () => {
  rejects('hdfs://nn/out', /hdfs:\/\/ is not supported.*HDFS/)
  rejects('gs://bkt/out', /gs:\/\/ is not supported/)
  rejects('s3n://bkt/out', /s3n:\/\/.*retired/)
  rejects('https://s3.amazonaws.com/bkt', /s3\.endpoint/)
})

test('bad buckets are rejected with the S3 rule they break', () => {
  rejects('s3://', /bucket name is missing/)
  rejects('s3:///prefix', /bucket name is missing/)
  rejects('s3:bkt/x', /followed by the bucket name/)
  rejects('s3://ab/x', /3 to 63/)
  rejects(`s3://${'a'.repeat(64)}/x`, /3 to 63/)
  rejects('s3://My_Bucket/x', /lowercase letters, digits, dots and hyphens/)
  rejects('s3://-bucket/x', /begin and end/)
  rejects('s3://bucket-/x', /begin and end/)
  rejects('s3://a..b/x', /adjacent dots/)
  rejects('s3://192.168.1.1/x', /IP address/)
  rejects('s3://xn--bucket/x', /must not start with "xn--"/)
  rejects('s3://bucket-s3alias/x', /must not end with "-s3alias"/)
})

test('prefixes with segments Hadoop would rewrite are rejected', () => {
  rejects('s3://bkt/a//b', /empty path segment/)
  rejects('s3://bkt/a/../b', /"\.\." path segment/)
  rejects('s3://bkt/./b', /"\." path segment/)
  rejects('file:///tmp/../etc', /"\.\." path segment/)
})
