/**
 * uri(key) must print paths exactly as Hadoop does in `_spark_metadata`. The expected strings
 * were produced by java.net.URI (OpenJDK 17): `new URI("s3a", "bkt", path, null, null)` and
 * `new URI("file", null, path, null, null)`, which is what Hadoop's Path.toUri uses.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createStore, encodeUriPath, hadoopUri, parseLocation } from '../../src/storage/index.js'

const CASES: [string, string][] = [
  ['/out/dt=a%2Fb/part-00000.json', '/out/dt=a%252Fb/part-00000.json'],
  [
    '/out/dt=2024-01-01/dth=2024-01-01-13/part-00000-abc-c000.json',
    '/out/dt=2024-01-01/dth=2024-01-01-13/part-00000-abc-c000.json',
  ],
  ['/out/with space/x', '/out/with%20space/x'],
  [
    '/out/q?x#y/[a]{b}|c^d`e\\f"g<h>i',
    '/out/q%3Fx%23y/%5Ba%5D%7Bb%7D%7Cc%5Ed%60e%5Cf%22g%3Ch%3Ei',
  ],
  ["/out/ok-_.!~*'(),;:$&+=@/x", "/out/ok-_.!~*'(),;:$&+=@/x"],
  ['/out/café/日本/😀', '/out/café/日本/😀'],
  [
    '/out/nbsp\u00a0x/ctl\u0085y/tab\tz/del\u007fw/ideo\u3000sp/ls\u2028',
    '/out/nbsp%C2%A0x/ctl%C2%85y/tab%09z/del%7Fw/ideo%E3%80%80sp/ls%E2%80%A8',
  ],
  ['/out/%25/%/%%', '/out/%2525/%25/%25%25'],
]

test('encodeUriPath quotes like java.net.URI multi-argument constructors', () => {
  for (const [raw, expected] of CASES) assert.equal(encodeUriPath(raw), expected, raw)
})

test('s3a store prints s3a://bucket/prefix/key with the path quoted', () => {
  const store = createStore({ location: parseLocation('s3a://bkt/out'), s3: { region: 'us-east-1' } })
  try {
    assert.equal(
      store.uri('dt=a%2Fb/part-00000.json'),
      's3a://bkt/out/dt=a%252Fb/part-00000.json',
    )
  } finally {
    void store.close()
  }
})

test('s3 scheme is kept as written; an empty prefix gives bucket/key', () => {
  assert.equal(hadoopUri(parseLocation('s3://bkt'), 'a b/c'), 's3://bkt/a%20b/c')
  assert.equal(hadoopUri(parseLocation('s3://bkt/p/q/'), 'x'), 's3://bkt/p/q/x')
})

test('file store prints file:/abs/path with a single slash', () => {
  const store = createStore({ location: parseLocation('file:///tmp/out dir') })
  assert.equal(store.uri('dt=x%3Ay/f.json'), 'file:/tmp/out%20dir/dt=x%253Ay/f.json')
})
