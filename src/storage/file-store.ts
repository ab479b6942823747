/**
 * FileStore: a Store on a local directory (`file:///abs/dir/`), with S3's semantics:
 * - objects appear whole: put and writers write a temporary sibling, then rename;
 * - put with ifNoneMatch IS enforced: the temporary file is hard-linked to the final name, and
 *   link(2) fails with EEXIST when the name exists, atomically (→ SLUICE_STORE_CONFLICT);
 * - list is recursive and returns keys in UTF-8 byte order, like S3; temporary files of writers
 *   in progress (`.<name>.sluice-tmp-*`, hidden from Hadoop-style readers by the leading `.`) are
 *   not listed, as S3 does not list unfinished uploads; sweepIncomplete() removes those a killed
 *   process left behind;
 * - parent directories are created as needed; directories are never objects (get/head → null).
 * Files are flushed (fdatasync) before they become visible.
 */

import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
} from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { SluiceError } from '../errors.js'
import { probeConditionalWrites } from './conditional-probe.js'
import { mapFsError } from './file-errors.js'
import { FileObjectWriter, isTempName, tempPathFor } from './file-writer.js'
import { hadoopUri } from './hadoop-uri.js'
import { checkKey, compareKeys } from './keys.js'
import type {
  ConditionalWrites,
  Location,
  ObjectInfo,
  ObjectWriter,
  PutOptions,
  Store,
} from './types.js'

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR'])

export class FileStore implements Store {
  readonly location: Location
  #conditional: ConditionalWrites = 'unknown'

  constructor(location: Location) {
    this.location = location
  }

  get conditionalWrites(): ConditionalWrites {
    return this.#conditional
  }

  async get(key: string): Promise<Buffer | null> {
    const path = this.#path(key)
    try {
      return await readFile(path)
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null
      throw mapFsError(err, 'read', path)
    }
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    const path = this.#path(key)
    const tmp = tempPathFor(path)
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    try {
      await mkdir(dirname(path), { recursive: true })
      const fh = await open(tmp, 'wx')
      try {
        let off = 0
        while (off < data.byteLength) {
          off += (await fh.write(data, off, data.byteLength - off)).bytesWritten
        }
        await fh.datasync()
      } finally {
        await fh.close()
      }
      if (options?.ifNoneMatch) {
        try {
          await link(tmp, path)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw this.#conflict(key, path)
          throw err
        } finally {
          await unlink(tmp).catch(() => undefined)
        }
      } else {
        await rename(tmp, path)
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined)
      throw mapFsError(err, 'write', path)
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.#path(key)
    try {
      const st = await stat(path)
      if (!st.isFile()) return null
      return { key, size: st.size, lastModified: Math.floor(st.mtimeMs) }
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null
      throw mapFsError(err, 'stat', path)
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = []
    // Start at the deepest directory every match lives under.
    const slash = prefix.lastIndexOf('/')
    const startRel = slash < 0 ? '' : prefix.slice(0, slash + 1)
    if (startRel !== '') checkKey(startRel.slice(0, -1), this.location)
    await this.#walk(startRel, prefix, out)
    out.sort((a, b) => compareKeys(a.key, b.key))
    return out
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = this.#path(key)
      try {
        await unlink(path)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? ''
        if (!MISSING.has(code) && code !== 'EPERM') throw mapFsError(err, 'delete', path)
        // EPERM/EISDIR: unlink of a directory; a directory is not an object.
      }
    }
  }

  createWriter(key: string): ObjectWriter {
    return new FileObjectWriter(key, this.#path(key))
  }

  uri(key: string): string {
    return hadoopUri(this.location, key)
  }

  async probeConditionalWrites(scratchKey: string): Promise<ConditionalWrites> {
    this.#conditional = await probeConditionalWrites(this, scratchKey)
    return this.#conditional
  }

  async sweepIncomplete(match: string): Promise<number> {
    const root = this.location.prefix
    let entries: import('node:fs').Dirent[]
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true })
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return 0
      throw mapFsError(err, 'list', root)
    }
    let removed = 0
    for (const e of entries) {
      if (!e.isFile() || !isTempName(e.name) || !e.name.includes(match)) continue
      const path = join(e.parentPath, e.name)
      try {
        await unlink(path)
        removed++
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw mapFsError(err, 'delete', path)
      }
    }
    return removed
  }

  async close(): Promise<void> {}

  /** Collects files under `rel` (a directory key ending in '/', or '') whose key starts with prefix. */
  async #walk(rel: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    const dir = this.location.prefix + rel
    let entries: import('node:fs').Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return
      throw mapFsError(err, 'list', dir)
    }
    const files: string[] = []
    const dirs: string[] = []
    for (const e of entries) {
      const key = rel + e.name
      if (e.isDirectory()) {
        const asDir = `${key}/`
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) dirs.push(asDir)
      } else if (e.isFile() && key.startsWith(prefix) && !isTempName(e.name)) {
        files.push(key)
      }
    }
    const infos = await Promise.all(
      files.map(async (key): Promise<ObjectInfo | null> => {
        const path = this.location.prefix + key
        try {
          const st = await stat(path)
          return { key, size: st.size, lastModified: Math.floor(st.mtimeMs) }
        } catch (err) {
          // Deleted between readdir and stat: it is gone, as on S3.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
          throw mapFsError(err, 'stat', path)
        }
      }),
    )
    for (const info of infos) if (info !== null) out.push(info)
    for (const d of dirs) await this.#walk(d, prefix, out)
  }

  #path(key: string): string {
    checkKey(key, this.location)
    return this.location.prefix + key
  }

  #conflict(key: string, path: string): SluiceError {
    return new SluiceError(
      'SLUICE_STORE_CONFLICT',
      `${path} already exists, so it was not written: another writer created it first. Another ` +
        'sluice or Spark query is probably writing to the same location; stop it, or give this ' +
        'query its own checkpoint and output path.',
      { details: { key, path } },
    )
  }
}
