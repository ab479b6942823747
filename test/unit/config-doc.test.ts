import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import type { z } from 'zod'
import { type FieldDoc, jobSchema, renderConfigDoc } from '../../src/config/index.js'

const DOC = new URL('../../../docs/config.md', import.meta.url)

test('docs/config.md is generated from the schema and up to date (run node dist/tools/gen-config-doc.js)', async () => {
  const current = await readFile(DOC, 'utf8')
  assert.equal(current, renderConfigDoc())
})

test('every option in the schema carries a type and a meaning, and defaults are documented', () => {
  const check = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, schema] of Object.entries(shape)) {
      if ('shape' in schema) {
        check((schema as z.ZodObject).shape as Record<string, z.ZodType>, `${prefix}${key}.`)
        continue
      }
      const doc = schema.meta() as Partial<FieldDoc> | undefined
      assert.ok(doc?.type, `${prefix}${key} has a type`)
      assert.ok(doc?.description, `${prefix}${key} has a description`)
      assert.ok(doc?.required || doc?.default !== undefined || schema.safeParse(undefined).data === undefined, `${prefix}${key} documents its default`)
    }
  }
  check(jobSchema.shape as unknown as Record<string, z.ZodType>, '')
})

test('the doc lists every option with its full key', () => {
  const doc = renderConfigDoc()
  for (const key of ['`source.kafka.bootstrap.servers`', '`sink.partitionBy`', '`conf.spark.sql.session.timeZone`', '`s3.endpoint`', '`metrics.port`', '`workers`', '`source.kafka.auto.offset.reset`']) {
    assert.ok(doc.includes(key), key)
  }
})
