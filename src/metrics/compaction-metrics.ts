/**
 * The Prometheus families of compaction (`sink.compaction`, docs/metrics.md "Compaction"), on the
 * query's registry (label `query` only). Per-directory figures never become a label: a partition
 * directory is one hour of one day, so a `dir` label would add a series per hour forever. They are
 * histograms instead (one observation per compacted directory, after the removal of its replaced
 * files) and two gauges over the whole output at each planning (how many directories
 * `_spark_metadata` lists and the most files one of them holds): bounded cardinality, and "how
 * small are my files" is still answered.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** What the compaction scheduler reports (src/query/compaction-scheduler.ts), never per record. */
export type CompactionEvent =
  | { kind: 'planned'; directories: number; maxFilesPerDirectory: number }
  | { kind: 'committed'; filesReplaced: number; filesWritten: number; bytesRewritten: number }
  | { kind: 'removed'; filesRemoved: number; directories: { files: number; bytes: number }[] }

const MB = 1024 * 1024

export class CompactionMetrics {
  readonly #runs: Counter
  readonly #filesReplaced: Counter
  readonly #filesWritten: Counter
  readonly #bytes: Counter
  readonly #removed: Counter
  readonly #dirFiles: Histogram
  readonly #dirBytes: Histogram
  readonly #directories: Gauge
  readonly #maxFiles: Gauge

  constructor(registry: Registry) {
    const registers = [registry]
    this.#runs = new Counter({ name: 'sluice_compactions_total', help: 'Compactions committed (one _spark_metadata/N.compact each).', registers })
    this.#filesReplaced = new Counter({ name: 'sluice_compaction_files_rewritten_total', help: 'Small files a committed compaction replaced (read and rewritten).', registers })
    this.#filesWritten = new Counter({ name: 'sluice_compaction_files_written_total', help: 'Merged files committed compactions wrote.', registers })
    this.#bytes = new Counter({ name: 'sluice_compaction_bytes_rewritten_total', help: 'Bytes committed compactions rewrote (size of the merged files).', registers })
    this.#removed = new Counter({ name: 'sluice_compaction_files_removed_total', help: 'Replaced files deleted after compactionRemoveDelay.', registers })
    this.#dirFiles = new Histogram({
      name: 'sluice_compaction_directory_files',
      help: 'Files _spark_metadata lists in a directory after its compaction (one observation per compacted directory).',
      buckets: [1, 2, 3, 5, 10, 20, 50, 100, 500, 1000, 5000],
      registers,
    })
    this.#dirBytes = new Histogram({
      name: 'sluice_compaction_directory_bytes',
      help: 'Bytes _spark_metadata lists in a directory after its compaction (one observation per compacted directory).',
      buckets: [1, 8, 32, 128, 512, 2048, 8192].map((m) => m * MB),
      registers,
    })
    this.#directories = new Gauge({ name: 'sluice_output_directories', help: 'Partition directories _spark_metadata lists, at the last compaction planning.', registers })
    this.#maxFiles = new Gauge({ name: 'sluice_output_directory_files_max', help: 'The most files _spark_metadata lists in one directory, at the last compaction planning.', registers })
    for (const c of [this.#runs, this.#filesReplaced, this.#filesWritten, this.#bytes, this.#removed]) c.inc(0)
  }

  record(e: CompactionEvent): void {
    if (e.kind === 'planned') {
      this.#directories.set(e.directories)
      this.#maxFiles.set(e.maxFilesPerDirectory)
    } else if (e.kind === 'committed') {
      this.#runs.inc()
      this.#filesReplaced.inc(e.filesReplaced)
      this.#filesWritten.inc(e.filesWritten)
      this.#bytes.inc(e.bytesRewritten)
    } else {
      this.#removed.inc(e.filesRemoved)
      for (const d of e.directories) {
        this.#dirFiles.observe(d.files)
        this.#dirBytes.observe(d.bytes)
      }
    }
  }
}
