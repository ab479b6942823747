/**
 * A real Apache Kafka cluster (KRaft, every node broker+controller) for a test file, run from the
 * Maven Central jars that `make kafka-real` copies into .cache/kafka-real/<version>/libs
 * (tools/kafka-real/pom.xml; the versions tested are listed in tools/kafka-real/versions).
 *
 *   const kafka = await startKafkaReal({ version: '3.9', brokers: 3 })
 *   await kafka.createTopic({ name: 't', partitions: 4, replication: 3,
 *     config: { 'cleanup.policy': 'compact', 'segment.bytes': '65536' } })
 *   await kafka.killBroker(2)       // kill -9
 *   await kafka.startBroker(2)      // same storage, same ports; waits until it is back
 *   await kafka.moveLeader('t', 0, 3)   // reassignment (replica order) + preferred election
 *   await kafka.stop()              // always (after()); also done by a process 'exit' hook
 *
 * Ports are free loopback ports picked at start; each node listens on one client port and one
 * controller port, the quorum voters are static (controller.quorum.voters), and each node's
 * storage is formatted with kafka.tools.StorageTool before its first start. JVM: -Xmx384m,
 * C1 only (-XX:TieredStopAtLevel=1) and SerialGC: a broker here is a test peer, not a
 * benchmark target, and that keeps start-up cheap on 2 cores. One cluster per test file.
 *
 * Measured on the 2-core project machine while seven other helpers were building and testing
 * (load average 15-20), so treat these as upper bounds:
 *   - install (make kafka-real): ~55 MB of jars per version in .cache/kafka-real (3.9.2: 105
 *     jars, 4.4.0: ~95), ~135 MB of downloads in ~/.m2; ~35 s for both versions from a warm ~/.m2,
 *     ~2-3 min from an empty one.
 *   - start-up (format + start until every broker answers with itself in its metadata):
 *     1 broker 7.5-12.5 s; 3 brokers 30-41 s (3.9.2 and 4.4.0 alike). The format is one JVM
 *     (2.3-4.7 s); the other nodes get a copy of node 1's formatted storage.
 *   - a topic 0.3-0.8 s; a Java console-producer run 2-5 s (JVM start); moveLeader 5-10 s (two
 *     admin-tool JVMs); kill -9 + start of one broker of three 6-10 s.
 *   - disk: under 1 MB per node before data, in a temporary directory that stop() deletes.
 *
 * Also: javaProduce() runs the Java console producer (the Java client, with compression.type);
 * the kafkajs producer is a second independent client (transactions, gzip).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import kafkajs from 'kafkajs'

const { Kafka, logLevel } = kafkajs

export interface KafkaRealTopic {
  name: string
  partitions?: number
  replication?: number
  /** Topic configs: cleanup.policy, compression.type, segment.bytes, min.cleanable.dirty.ratio, ... */
  config?: Record<string, string>
}

export interface KafkaRealOptions {
  /** A line ('3.9', '4') or an exact version from tools/kafka-real/versions. Default: the env
   * KAFKA_REAL_VERSION, else the newest listed. */
  version?: string
  /** Nodes, ids 1..brokers. Default 1. */
  brokers?: 1 | 3
  topics?: KafkaRealTopic[]
  /** Extra server.properties for every node. */
  serverConfig?: Record<string, string>
  /** Extra client listeners beside PLAINTEXT (name → security protocol), each on its own free
   * port (see `listenerPorts`); their `listener.name.<name>.*` settings go in serverConfig. */
  listeners?: Record<string, 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'>
  /** Extra arguments of the storage format, e.g. ['--add-scram', 'SCRAM-SHA-512=[name=u,password=p]']. */
  formatArgs?: string[]
  startTimeoutMs?: number
}

export interface KafkaReal {
  readonly version: string
  readonly bootstrap: string
  readonly brokers: string[]
  /** Broker id → client port. */
  readonly ports: Map<number, number>
  /** Extra listener name → its port on broker 1. */
  readonly listenerPorts: Map<string, number>
  createTopic(t: KafkaRealTopic): Promise<void>
  /** Graceful stop (SIGTERM, controlled shutdown); resolves when the JVM has exited. */
  stopBroker(id: number): Promise<void>
  /** kill -9; resolves when the JVM has exited. */
  killBroker(id: number): Promise<void>
  /** Starts a stopped or killed broker again and waits until it is back in the cluster. */
  startBroker(id: number): Promise<void>
  /** SIGSTOP: the JVM stays, its ports stay open, nothing answers (a hung or partitioned broker). */
  pauseBroker(id: number): void
  /** SIGCONT after pauseBroker. */
  resumeBroker(id: number): void
  /** Deletes a topic and waits until no broker lists it any more. */
  deleteTopic(topic: string): Promise<void>
  /** DeleteRecords: moves the partition's log start offset to `offset` (what retention does). */
  deleteRecords(topic: string, partition: number, offset: number): Promise<void>
  /** Current leader of topic-partition from fresh metadata (-1 when none). */
  leaderOf(topic: string, partition: number): Promise<number>
  /** Makes `broker` the leader: reassigns the replicas with `broker` first, then runs a
   * preferred-leader election (both through the admin tools) and waits for the new leader. */
  moveLeader(topic: string, partition: number, broker: number): Promise<void>
  /** Runs one of the Kafka admin command-line classes (org.apache.kafka.tools.*) with args. */
  runTool(mainClass: string, args: string[], stdin?: string): Promise<string>
  /** Produces `lines` (one record value each, `key\tvalue` when keyed) with the Java client. */
  javaProduce(topic: string, lines: string[], opts?: { compression?: string; keyed?: boolean; partition?: number; batchSize?: number }): Promise<void>
  /** Process id of broker `id`'s JVM while it runs, else null (benchmarks read its CPU time). */
  pid(id: number): number | null
  /** Stops every node and deletes the storage. Safe to call twice. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
let exitHook = false
function installExitHook(): void {
  if (exitHook) return
  exitHook = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'tools', 'kafka-real', 'versions'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('kafka-real: tools/kafka-real/versions not found above this file; run from a sluice checkout')
    dir = parent
  }
}

/** The versions `make kafka-real` installs, oldest first. */
export function kafkaRealVersions(): string[] {
  return readFileSync(join(repoRoot(), 'tools', 'kafka-real', 'versions'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
}

/** Resolves '3.9' / '4' / '4.1.1' to an installed version's libs directory. */
export function kafkaRealLibs(wanted?: string): { version: string; libs: string } {
  const versions = kafkaRealVersions()
  const want = wanted ?? process.env.KAFKA_REAL_VERSION ?? versions[versions.length - 1]!
  const version = versions.find((v) => v === want || v.startsWith(`${want}.`))
  if (version === undefined) {
    throw new Error(`kafka-real: no version matching '${want}' in tools/kafka-real/versions (${versions.join(', ')})`)
  }
  const libs = join(repoRoot(), '.cache', 'kafka-real', version, 'libs')
  if (!existsSync(libs) || !readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(
      `kafka-real: Apache Kafka ${version} is not installed in ${libs}. Run 'make kafka-real' ` +
        '(needs Java 17 and Maven reaching Maven Central); make test runs it for you.',
    )
  }
  return { version, libs }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

interface Node {
  id: number
  port: number
  controllerPort: number
  dir: string
  /** Extra listener name → port. */
  extra: Map<string, number>
  config: string
  log: string
  child: ChildProcess | null
  exited: Promise<void> | null
}

const JVM_OPTS = ['-Xms64m', '-Xmx384m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Djava.awt.headless=true']

function run(cmd: string, args: string[], stdin?: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.find((a) => /^(kafka|org)\./.test(a)) ?? cmd} failed: ${err.message}\n${stdout.slice(-2000)}\n${stderr.slice(-3000)}`))
      else resolve(stdout)
    })
    if (stdin !== undefined) child.stdin!.end(stdin)
    else child.stdin!.end()
  })
}

class KafkaRealCluster implements KafkaReal {
  readonly version: string
  readonly bootstrap: string
  readonly brokers: string[]
  readonly ports = new Map<number, number>()
  readonly listenerPorts: Map<string, number>
  #libs: string
  #formatArgs: string[]
  #root: string
  #nodes: Node[]
  #stopped = false
  #major: number
  formatMs = 0

  constructor(version: string, libs: string, root: string, nodes: Node[], formatArgs: string[] = []) {
    this.version = version
    this.#formatArgs = formatArgs
    this.listenerPorts = nodes[0]!.extra
    this.#libs = libs
    this.#root = root
    this.#nodes = nodes
    this.#major = Number.parseInt(version, 10)
    this.brokers = nodes.map((n) => `127.0.0.1:${n.port}`)
    this.bootstrap = this.brokers.join(',')
    for (const n of nodes) this.ports.set(n.id, n.port)
  }

  #java(mainClass: string, args: string[], stdin?: string): Promise<string> {
    const log4j = this.#major >= 4
      ? `-Dlog4j2.configurationFile=${join(this.#root, 'log4j2.properties')}`
      : `-Dlog4j.configuration=file:${join(this.#root, 'log4j.properties')}`
    return run('java', [...JVM_OPTS, log4j, '-cp', `${this.#libs}/*`, mainClass, ...args], stdin)
  }

  runTool(mainClass: string, args: string[], stdin?: string): Promise<string> {
    return this.#java(mainClass, args, stdin)
  }

  /**
   * Formats node 1's storage with StorageTool (one JVM), then gives the other nodes a copy with
   * their own node.id and directory.id in meta.properties: the bootstrap metadata checkpoint is
   * the same on every node, and this saves a JVM start per node.
   */
  async format(clusterId: string): Promise<void> {
    const t0 = Date.now()
    const first = this.#nodes[0]!
    await this.#java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', first.config, '--ignore-formatted', ...this.#formatArgs])
    const src = join(first.dir, 'data')
    const meta = readFileSync(join(src, 'meta.properties'), 'utf8')
    for (const n of this.#nodes.slice(1)) {
      const dst = join(n.dir, 'data')
      mkdirSync(dst, { recursive: true })
      for (const f of readdirSync(src)) {
        if (f !== 'meta.properties') cpSync(join(src, f), join(dst, f), { recursive: true })
      }
      const directoryId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
      writeFileSync(
        join(dst, 'meta.properties'),
        meta.replace(/^node\.id=.*$/m, `node.id=${n.id}`).replace(/^directory\.id=.*$/m, `directory.id=${directoryId}`),
      )
    }
    this.formatMs = Date.now() - t0
  }

  #spawn(n: Node): void {
    const fd = openSync(n.log, 'a')
    const log4j = this.#major >= 4
      ? `-Dlog4j2.configurationFile=${join(this.#root, 'log4j2.properties')}`
      : `-Dlog4j.configuration=file:${join(this.#root, 'log4j.properties')}`
    const child = spawn('java', [...JVM_OPTS, log4j, '-cp', `${this.#libs}/*`, 'kafka.Kafka', n.config], {
      stdio: ['ignore', fd, fd],
    })
    closeSync(fd)
    live.add(child)
    child.unref()
    n.child = child
    n.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child)
        resolve()
      })
    })
  }

  logTail(n: Node): string {
    try {
      return readFileSync(n.log, 'utf8').split('\n').slice(-40).join('\n')
    } catch {
      return '(no log)'
    }
  }

  #node(id: number): Node {
    const n = this.#nodes.find((x) => x.id === id)
    if (!n) throw new Error(`kafka-real: no broker ${id} (ids 1..${this.#nodes.length})`)
    return n
  }

  #admin(brokers = this.brokers) {
    return new Kafka({ clientId: 'kafka-real', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin()
  }

  /** Waits until each of `ids` answers on its own port with cluster metadata that lists it. */
  async waitForBrokers(ids: number[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const pending = new Set(ids)
    let last = ''
    for (;;) {
      for (const id of pending) {
        const n = this.#node(id)
        if (n.child === null || n.child.exitCode !== null || n.child.signalCode !== null) {
          throw new Error(`kafka-real: broker ${n.id} (Kafka ${this.version}) exited during start-up:\n${this.logTail(n)}`)
        }
        const admin = this.#admin([`127.0.0.1:${n.port}`])
        try {
          await admin.connect()
          const { brokers } = await admin.describeCluster()
          if (brokers.some((b) => b.nodeId === id)) pending.delete(id)
          else last = `broker ${id} is not in its own metadata yet`
        } catch (err) {
          last = `broker ${id}: ${(err as Error).message}`
        } finally {
          await admin.disconnect().catch(() => {})
        }
      }
      if (pending.size === 0) return
      if (Date.now() > deadline) {
        throw new Error(`kafka-real: brokers ${[...pending].join(',')} not up after ${timeoutMs} ms (${last}):\n${this.logTail(this.#node([...pending][0]!))}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  startAll(): void {
    for (const n of this.#nodes) this.#spawn(n)
  }

  async createTopic(t: KafkaRealTopic): Promise<void> {
    const admin = this.#admin()
    await admin.connect()
    try {
      // Not kafkajs's waitForLeaders: with its 2 retries it gives up with "This server does not
      // host this topic-partition" while a second topic's metadata spreads over 3 nodes; the
      // loop below waits for the leaders instead.
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: t.name,
            numPartitions: t.partitions ?? 1,
            replicationFactor: t.replication ?? Math.min(this.#nodes.length, 3),
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      }).catch((err: { message?: string; type?: string; errors?: { message?: string; type?: string }[] }) => {
        // A metadata race while the topic is created: the loop below waits for its leaders.
        if (leadersPending(err)) return
        const why = (err.errors ?? []).map((e) => `${e.type}: ${e.message}`).join('; ')
        throw new Error(`kafka-real: creating topic ${t.name} failed: ${err.message}${why ? ` (${why})` : ''}`)
      })
      // Every partition has a leader in fresh metadata before the test uses the topic.
      const deadline = Date.now() + 60_000
      for (;;) {
        const md = await admin.fetchTopicMetadata({ topics: [t.name] }).catch((err: unknown) => {
          if (leadersPending(err)) return null
          throw err
        })
        const parts = md?.topics[0]?.partitions ?? []
        if (parts.length === (t.partitions ?? 1) && parts.every((p) => p.leader >= 0)) break
        if (Date.now() > deadline) throw new Error(`kafka-real: topic ${t.name} has no leaders after 60 s`)
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      await admin.disconnect()
    }
  }

  pid(id: number): number | null {
    const n = this.#nodes.find((x) => x.id === id)
    return n?.child?.pid ?? null
  }

  async stopBroker(id: number): Promise<void> {
    const n = this.#node(id)
    if (n.child === null) return
    n.child.ref()
    n.child.kill('SIGTERM')
    const timer = setTimeout(() => n.child?.kill('SIGKILL'), 30_000)
    await n.exited
    clearTimeout(timer)
    n.child = null
  }

  async killBroker(id: number): Promise<void> {
    const n = this.#node(id)
    if (n.child === null) return
    n.child.ref()
    n.child.kill('SIGKILL')
    await n.exited
    n.child = null
  }

  async startBroker(id: number): Promise<void> {
    const n = this.#node(id)
    if (n.child !== null) return
    this.#spawn(n)
    await this.waitForBrokers([id], 60_000)
  }

  pauseBroker(id: number): void {
    this.#node(id).child?.kill('SIGSTOP')
  }

  resumeBroker(id: number): void {
    this.#node(id).child?.kill('SIGCONT')
  }

  async deleteTopic(topic: string): Promise<void> {
    const admin = this.#admin()
    await admin.connect()
    try {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 })
      const deadline = Date.now() + 30_000
      while ((await admin.listTopics()).includes(topic)) {
        if (Date.now() > deadline) throw new Error(`kafka-real: topic ${topic} still listed 30 s after its deletion`)
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      await admin.disconnect()
    }
  }

  async deleteRecords(topic: string, partition: number, offset: number): Promise<void> {
    const admin = this.#admin()
    await admin.connect()
    try {
      await admin.fetchTopicMetadata({ topics: [topic] })
      await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(offset) }] })
    } finally {
      await admin.disconnect()
    }
  }

  async leaderOf(topic: string, partition: number): Promise<number> {
    const up = this.#nodes.filter((n) => n.child !== null).map((n) => `127.0.0.1:${n.port}`)
    const admin = this.#admin(up)
    await admin.connect()
    try {
      const md = await admin.fetchTopicMetadata({ topics: [topic] })
      return md.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader ?? -1
    } finally {
      await admin.disconnect()
    }
  }

  async moveLeader(topic: string, partition: number, broker: number): Promise<void> {
    const others = this.#nodes.map((n) => n.id).filter((id) => id !== broker)
    const replicas = [broker, ...others]
    const plan = join(this.#root, `reassign-${randomUUID()}.json`)
    writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic, partition, replicas }] }))
    const up = this.#nodes.filter((n) => n.child !== null).map((n) => `127.0.0.1:${n.port}`).join(',')
    await this.#java('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', [
      '--bootstrap-server', up, '--reassignment-json-file', plan, '--execute',
    ])
    // Reordering replicas completes at once (same replica set); the election may need a retry
    // while the new order propagates.
    const deadline = Date.now() + 30_000
    for (;;) {
      await this.#java('org.apache.kafka.tools.LeaderElectionCommand', [
        '--bootstrap-server', up, '--election-type', 'PREFERRED', '--topic', topic, '--partition', String(partition),
      ]).catch(() => '')
      if ((await this.leaderOf(topic, partition)) === broker) return
      if (Date.now() > deadline) throw new Error(`kafka-real: ${topic}-${partition} leader did not move to ${broker}`)
      await new Promise((r) => setTimeout(r, 300))
    }
  }

  async javaProduce(
    topic: string,
    lines: string[],
    opts: { compression?: string; keyed?: boolean; partition?: number; batchSize?: number } = {},
  ): Promise<void> {
    const main = this.#major >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer'
    const args = ['--bootstrap-server', this.bootstrap, '--topic', topic]
    args.push('--producer-property', `compression.type=${opts.compression ?? 'none'}`)
    args.push('--producer-property', `batch.size=${opts.batchSize ?? 65536}`, '--producer-property', 'linger.ms=50')
    // The console producer has no partition option: a keyed record goes where its key hashes;
    // with a partition wanted, the topic should have one partition.
    if (opts.keyed) {
      args.push(this.#major >= 4 ? '--reader-property' : '--property', 'parse.key=true')
      args.push(this.#major >= 4 ? '--reader-property' : '--property', 'key.separator=\t')
    }
    await this.#java(main, args, lines.join('\n') + '\n')
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    // kill -9: the storage is thrown away, so a controlled shutdown would only cost time.
    await Promise.all(this.#nodes.map((n) => this.killBroker(n.id)))
    rmSync(this.#root, { recursive: true, force: true })
  }
}

function serverProperties(n: Node, nodes: Node[], extraProps: Record<string, string>, protocols: Record<string, string>): string {
  const rf = String(Math.min(nodes.length, 3))
  const extra = [...n.extra].map(([name, port]) => `${name}://127.0.0.1:${port}`)
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(n.id),
    'controller.quorum.voters': nodes.map((x) => `${x.id}@127.0.0.1:${x.controllerPort}`).join(','),
    listeners: [`PLAINTEXT://127.0.0.1:${n.port}`, `CONTROLLER://127.0.0.1:${n.controllerPort}`, ...extra].join(','),
    'advertised.listeners': [`PLAINTEXT://127.0.0.1:${n.port}`, ...extra].join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...Object.entries(protocols).map(([k, v]) => `${k}:${v}`)].join(','),
    'log.dirs': join(n.dir, 'data'),
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '4',
    'group.initial.rebalance.delay.ms': '0',
    'min.insync.replicas': '1',
    // Fast failure detection and compaction for tests.
    'broker.session.timeout.ms': '6000',
    'broker.heartbeat.interval.ms': '500',
    'log.cleaner.backoff.ms': '500',
    'log.cleaner.dedupe.buffer.size': '4194304',
    'log.cleaner.threads': '1',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'num.recovery.threads.per.data.dir': '1',
    'log.flush.interval.messages': '9223372036854775807',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '1000',
    ...extraProps,
  }
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
}

const LOG4J = 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n' +
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n'
const LOG4J2 = 'status=warn\nappender.console.type=Console\nappender.console.name=STDOUT\n' +
  'appender.console.layout.type=PatternLayout\nappender.console.layout.pattern=[%d] %p %m (%c)%n\n' +
  'rootLogger.level=warn\nrootLogger.appenderRef.stdout.ref=STDOUT\n'

/** Starts a KRaft cluster; rejects (after cleaning up) when it does not come up. */
export async function startKafkaReal(o: KafkaRealOptions = {}): Promise<KafkaReal> {
  installExitHook()
  const { version, libs } = kafkaRealLibs(o.version)
  const count = o.brokers ?? 1
  const root = mkdtempSync(join(tmpdir(), `kafka-real-${version}-`))
  writeFileSync(join(root, 'log4j.properties'), LOG4J)
  writeFileSync(join(root, 'log4j2.properties'), LOG4J2)
  const nodes: Node[] = []
  for (let id = 1; id <= count; id++) {
    const dir = join(root, `node-${id}`)
    mkdirSync(dir)
    const extra = new Map<string, number>()
    for (const name of Object.keys(o.listeners ?? {})) extra.set(name, await freePort())
    nodes.push({ id, port: await freePort(), controllerPort: await freePort(), dir, extra, config: join(dir, 'server.properties'), log: join(dir, 'kafka.log'), child: null, exited: null })
  }
  for (const n of nodes) writeFileSync(n.config, serverProperties(n, nodes, o.serverConfig ?? {}, o.listeners ?? {}))
  const cluster = new KafkaRealCluster(version, libs, root, nodes, o.formatArgs)
  try {
    await cluster.format(randomClusterId())
    cluster.startAll()
    await cluster.waitForBrokers(nodes.map((n) => n.id), o.startTimeoutMs ?? 90_000)
    for (const t of o.topics ?? []) await cluster.createTopic(t)
  } catch (err) {
    await cluster.stop()
    throw err
  }
  return cluster
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (22 characters). */
function randomClusterId(): string {
  // An id that starts with '-' would be read as an option by StorageTool's argument parser.
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/** A kafkajs error (or the one it wraps after its retries) saying a new topic's leaders are not known yet. */
function leadersPending(err: unknown): boolean {
  let e = err as { type?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined
  for (let i = 0; i < 5 && e; i++) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.type === 'LEADER_NOT_AVAILABLE') return true
    if (/does not host this topic-partition|no leader/i.test(e.message ?? '')) return true
    e = (e.cause ?? e.originalError) as typeof e
  }
  return false
}
