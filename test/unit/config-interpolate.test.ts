import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { fails, parseYaml } from './config-helpers.js'

const yaml = (sourceExtra: string, extra = '') =>
  `name: \${JOB_NAME:-job}
source:
  kafka.bootstrap.servers: \${BOOT:-127.0.0.1:9092}
  subscribe: events
${sourceExtra}
schema: message STRING
sink:
  path: s3a://bucket-out/\${PREFIX:-data}/
  checkpointLocation: s3a://bucket-out/checkpoint/
${extra}`

describe('${VAR} interpolation', () => {
  test('defaults apply when unset, values when set', () => {
    assert.equal(parseYaml(yaml('')).name, 'job')
    const j = parseYaml(yaml(''), { JOB_NAME: 'orders', BOOT: 'k:1', PREFIX: 'x/y' })
    assert.equal(j.name, 'orders')
    assert.deepEqual(j.source.bootstrapServers, ['k:1'])
    assert.equal(j.sink.path.prefix, 'x/y/')
  })

  test('the default also applies when the variable is set but empty (shell :-)', () => {
    assert.equal(parseYaml(yaml(''), { JOB_NAME: '' }).name, 'job')
  })

  test('several references in one value, and into numeric and boolean options', () => {
    const j = parseYaml(yaml('  maxOffsetsPerTrigger: ${MAX}\n  failOnDataLoss: ${FAIL:-false}'), { MAX: '2500', BOOT: 'a:1' })
    assert.equal(j.source.maxOffsetsPerTrigger, 2500)
    assert.equal(j.source.failOnDataLoss, false)
    const k = parseYaml(yaml('', 'metrics:\n  host: ${H}-${H:-x}.local\n'), { H: 'box' })
    assert.equal(k.metrics.host, 'box-box.local')
  })

  test('$${ is a literal ${', () => {
    const j = parseYaml(yaml('', 'select:\n  - "concat(\'$${X}\', message) AS m"\n'))
    assert.deepEqual(j.select, ["concat('${X}', message) AS m"])
  })

  test('an unset variable without default is SLUICE_CONFIG_ENV naming the variable and the field', () => {
    fails(() => parseYaml(yaml('  maxOffsetsPerTrigger: ${MAX_OFFSETS}')), 'SLUICE_CONFIG_ENV', 'MAX_OFFSETS', 'source.maxOffsetsPerTrigger', '${MAX_OFFSETS:-')
  })

  test('a variable set to the empty string without default expands to empty (the option is unset)', () => {
    assert.equal(parseYaml(yaml('  maxOffsetsPerTrigger: ${MAX}'), { MAX: '' }).source.maxOffsetsPerTrigger, undefined)
  })

  test('a malformed reference is SLUICE_CONFIG_ENV', () => {
    fails(() => parseYaml(yaml('', 's3:\n  region: ${my region}\n')), 'SLUICE_CONFIG_ENV', 's3.region', 'malformed')
  })

  test('an option interpolated to empty counts as not set; a required one says so', () => {
    const j = parseYaml(yaml('', 's3:\n  endpoint: ${S3_ENDPOINT:-}\n  region: ${REGION:-}\n'))
    assert.deepEqual(j.s3, {})
    fails(
      () => parseYaml(yaml('').replace('${BOOT:-127.0.0.1:9092}', '${BOOT:-}')),
      'SLUICE_CONFIG_REQUIRED',
      'source.kafka.bootstrap.servers',
      'expanded to an empty string',
    )
  })

  test('keys are not interpolated', () => {
    fails(() => parseYaml(yaml('', '${KEY}: 1\n'), { KEY: 'name' }), 'SLUICE_CONFIG_UNKNOWN_KEY', '${KEY}')
  })

  test('interpolation cannot change the structure of the document', () => {
    const j = parseYaml(yaml('', 'select:\n  - ${EXPR}\n'), { EXPR: 'a\nb: [c]' })
    assert.deepEqual(j.select, ['a\nb: [c]'])
  })
})
