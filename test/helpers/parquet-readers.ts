/**
 * Independent Parquet readers for the tests: pyarrow and DuckDB from PyPI, in the project's
 * .venv (installed by `make parquet-readers`, mk/parquet.mk). They read the files sluice wrote and
 * return the rows in the canonical form of test/helpers/parquet_rows.py. A missing install is an
 * error naming the make target, never a skip.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { OutputReader } from './output-reader.js'
import { repoRoot } from './sluice-process.js'

export const PARQUET_PYTHON = join(repoRoot, '.venv', 'bin', 'python')
const SCRIPT = join(repoRoot, 'test', 'helpers', 'parquet_rows.py')
export type ParquetReaderName = 'pyarrow' | 'duckdb'

export async function parquetRows(reader: ParquetReaderName, files: string[], columns: string[] | null = null): Promise<Record<string, unknown>[]> {
  if (!existsSync(PARQUET_PYTHON)) {
    throw new Error(`pyarrow and DuckDB are not installed: ${PARQUET_PYTHON} is missing. Run \`make parquet-readers\` (from PyPI into .venv/); \`make test\` does it.`)
  }
  const child = spawn(PARQUET_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.stdin.end(JSON.stringify({ reader, files, columns }))
  const code = await done
  if (code !== 0) throw new Error(`${reader} could not read the Parquet files (exit ${code}): ${Buffer.concat(err).toString().slice(-3000)}`)
  return JSON.parse(Buffer.concat(out).toString('utf8')) as Record<string, unknown>[]
}

/** Downloads `keys` (bucket keys under the reader's prefix) into `dir`, keeping their relative paths. */
export async function downloadAll(reader: OutputReader, keys: string[], dir: string): Promise<string[]> {
  const files: string[] = []
  for (const key of keys) {
    const file = join(dir, key)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, await reader.getBytes(key))
    files.push(file)
  }
  return files
}
