/**
 * parseLocation: the user's output path or checkpoint location → a {@link Location}.
 *
 * Accepted forms:
 *   s3://bucket            s3://bucket/prefix       s3a://bucket/prefix/
 *   file:///abs/dir        file:/abs/dir            file://localhost/abs/dir
 *
 * The rest of the string is taken literally, as Hadoop's `new Path(String)` does: `%` or a space
 * in a prefix is part of the key, not an escape. Rejected with SLUICE_CONFIG_PATH, naming the
 * value and the accepted forms: relative or scheme-less paths, other schemes (hdfs://, gs://,
 * s3n://, abfs://, http://), a missing bucket, bucket names S3 refuses to create, `.`/`..` path
 * segments, and (for S3) empty segments (`a//b`), which Hadoop's Path would collapse so that
 * Spark reads a different key than was written.
 */

import { SluiceError } from '../errors.js'
import type { Location } from './types.js'

const ACCEPTED = 's3://bucket/prefix, s3a://bucket/prefix or file:///absolute/dir'

export function parseLocation(uri: string): Location {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw pathError(String(uri), 'it is empty')
  }
  if (uri !== uri.trim()) {
    throw pathError(uri, 'it has leading or trailing white space')
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)
  if (!schemeMatch) {
    const hint = uri.startsWith('/')
      ? `; for a local directory write file://${uri}`
      : '; relative paths are not accepted because the working directory of a job is not stable'
    throw pathError(uri, `it has no scheme${hint}`)
  }
  const scheme = schemeMatch[1]!.toLowerCase()
  const rest = uri.slice(schemeMatch[0].length)
  if (scheme === 's3' || scheme === 's3a') return parseS3(uri, scheme, rest)
  if (scheme === 'file') return parseFile(uri, rest)
  throw pathError(uri, `the scheme ${scheme}:// is not supported (${schemeHint(scheme)})`)
}

function parseS3(original: string, scheme: 's3' | 's3a', rest: string): Location {
  if (!rest.startsWith('//')) {
    throw pathError(original, `an S3 location starts with ${scheme}:// followed by the bucket name`)
  }
  const body = rest.slice(2)
  const slash = body.indexOf('/')
  const bucket = slash < 0 ? body : body.slice(0, slash)
  let prefix = slash < 0 ? '' : body.slice(slash + 1)
  if (bucket === '') throw pathError(original, 'the bucket name is missing')
  const bucketProblem = checkBucketName(bucket)
  if (bucketProblem) {
    throw pathError(original, `the bucket name "${bucket}" is not valid for S3: ${bucketProblem}`)
  }
  if (prefix !== '') {
    if (!prefix.endsWith('/')) prefix += '/'
    const segments = prefix.slice(0, -1).split('/')
    for (const segment of segments) {
      if (segment === '') {
        throw pathError(
          original,
          'it contains an empty path segment ("//"); Hadoop collapses it, so Spark would read ' +
            'other keys than sluice writes: remove the doubled slash',
        )
      }
      if (segment === '.' || segment === '..') {
        throw pathError(original, `it contains a "${segment}" path segment: write the plain prefix`)
      }
    }
  }
  return { scheme, bucket, prefix, original }
}

function parseFile(original: string, rest: string): Location {
  let path: string
  if (rest.startsWith('///')) {
    path = rest.slice(2)
  } else if (rest.startsWith('//')) {
    const body = rest.slice(2)
    const slash = body.indexOf('/')
    const host = slash < 0 ? body : body.slice(0, slash)
    if (host !== 'localhost') {
      throw pathError(
        original,
        `"${host}" is read as a host name, and file:// locations cannot name a host; ` +
          `for an absolute directory write file:///${body}`,
      )
    }
    path = slash < 0 ? '/' : body.slice(slash)
  } else if (rest.startsWith('/')) {
    path = rest
  } else {
    throw pathError(original, 'a file location must be absolute (file:///absolute/dir)')
  }
  // Repeated slashes are harmless on a local file system; normalise them away.
  path = path.replace(/\/{2,}/g, '/')
  if (!path.endsWith('/')) path += '/'
  for (const segment of path.slice(1, -1).split('/')) {
    if (segment === '.' || segment === '..') {
      throw pathError(original, `it contains a "${segment}" path segment: write the resolved path`)
    }
  }
  if (path.includes('\0')) throw pathError(original, 'it contains a NUL character')
  return { scheme: 'file', bucket: '', prefix: path, original }
}

/**
 * S3's rules for general purpose bucket names (docs: "Bucket naming rules"); returns the problem
 * or null.
 */
export function checkBucketName(bucket: string): string | null {
  if (bucket.length < 3 || bucket.length > 63) {
    return `it has ${bucket.length} characters; bucket names have 3 to 63`
  }
  if (!/^[a-z0-9.-]+$/.test(bucket)) {
    return 'only lowercase letters, digits, dots and hyphens are allowed'
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return 'it must begin and end with a letter or digit'
  }
  if (bucket.includes('..')) return 'it must not contain two adjacent dots'
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'it must not look like an IP address'
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (bucket.startsWith(p)) return `it must not start with "${p}"`
  }
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3']) {
    // `--x-s3` names are S3 Express directory buckets, which need the zone id form; sluice
    // writes to general purpose buckets.
    if (bucket.endsWith(s)) return `it must not end with "${s}"`
  }
  return null
}

function schemeHint(scheme: string): string {
  switch (scheme) {
    case 's3n':
      return 's3n:// is the retired Hadoop connector; write s3a:// or s3://'
    case 'hdfs':
    case 'viewfs':
      return 'sluice writes to S3 or a local directory, not HDFS'
    case 'gs':
    case 'abfs':
    case 'abfss':
    case 'wasb':
    case 'wasbs':
      return 'only S3 and local directories are supported'
    case 'http':
    case 'https':
      return 'an S3 endpoint URL belongs in s3.endpoint; the location is s3://bucket/prefix'
    default:
      return 'use one of the accepted forms'
  }
}

function pathError(value: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_PATH',
    `location "${value}" is not usable: ${why}. Accepted forms: ${ACCEPTED}.`,
    { details: { value } },
  )
}
