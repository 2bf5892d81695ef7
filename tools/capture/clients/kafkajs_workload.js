// kafkajs 2.2.4 workload (old, non-flexible request versions): admin, produce per codec,
// idempotent and transactional producers, consumer group with commits, group admin, delete.
//
// Run by `python -m tools.capture` with NODE_PATH pointing at a node_modules that holds kafkajs
// (and optionally kafkajs-snappy, kafkajs-lz4). Alone:
//   NODE_PATH=/tmp/kjs/node_modules node tools/capture/clients/kafkajs_workload.js \
//     --bootstrap 127.0.0.1:PORT --prefix golden-x      (then answer each @@step line on stdin)
// Line protocol: see tools/capture/clients/__init__.py.
'use strict'

const { execFileSync } = require('child_process')
const readline = require('readline')
const {
  Kafka, CompressionTypes, CompressionCodecs, ConfigResourceTypes, logLevel,
  AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes
} = require('kafkajs')

const args = {}
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]

const answers = []
const waiting = []
readline.createInterface({ input: process.stdin }).on('line', () => {
  const resolve = waiting.shift()
  if (resolve) resolve()
  else answers.push(null)
})

const say = (kind, text) => process.stdout.write(`@@${kind} ${String(text).split(/\s+/).join(' ')}\n`)
const note = (text) => say('note', text)
const step = (label) => {
  say('step', label)
  if (answers.length) { answers.shift(); return Promise.resolve() }
  return new Promise((resolve) => waiting.push(resolve))
}
const attempt = async (label, action) => {
  await step(label)
  try {
    return await Promise.race([action(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout 40s')), 40000))])
  } catch (error) {
    note(`${label}: FAILED ${error.name}: ${error.message}`)
    return null
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Compression plugins: kafkajs ships only gzip.
const codecNotes = []
try {
  CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy')
} catch (error) { codecNotes.push('snappy: kafkajs-snappy not installed') }
try {
  const LZ4Codec = require('kafkajs-lz4')
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
} catch (error) { codecNotes.push('lz4: kafkajs-lz4 not installed') }
try {
  CompressionCodecs[CompressionTypes.ZSTD] = require('@kafkajs/zstd')()
} catch (error) {
  // @kafkajs/zstd needs a native build; fall back to a minimal plugin over the zstd CLI.
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    async compress (encoder) { return execFileSync('zstd', ['-q', '-c'], { input: encoder.buffer }) },
    async decompress (buffer) { return execFileSync('zstd', ['-q', '-d', '-c'], { input: buffer }) }
  })
  codecNotes.push('zstd: @kafkajs/zstd unavailable, used a codec plugin over the zstd CLI')
}

const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD
}
const value = (codec, index) => `${codec} value ${index} `.repeat(8).slice(0, 120)
const messages = (codec) => [
  { key: 'key-0', value: value(codec, 0), partition: 0 },
  { key: 'key-null-value', value: null, partition: 0 },
  { key: null, value: value(codec, 2), headers: { 'trace-id': 'abc123', empty: '' }, partition: 0 },
  { key: 'key-3', value: value(codec, 3), headers: { h: 'v' }, partition: 0 }
]

async function main () {
  say('version', require('kafkajs/package.json').version)
  for (const text of codecNotes) note(text)
  const topic = args.prefix
  const extra = `${args.prefix}-extra`
  const group = `${args.prefix}-group`
  const kafka = new Kafka({
    clientId: 'golden-kafkajs',
    brokers: [args.bootstrap],
    logLevel: logLevel.ERROR,
    retry: { retries: 2 }
  })
  const admin = kafka.admin()

  await attempt('admin: connect (ApiVersions)', () => admin.connect())
  await attempt('admin: CreateTopics (1 and 2 partitions)', () => admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1 },
      { topic: extra, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }]
  }))
  await attempt('admin: fetch topic metadata', () => admin.fetchTopicMetadata({ topics: [topic] }))
  await attempt('admin: describe cluster', () => admin.describeCluster())
  await attempt('admin: DescribeConfigs topic', () => admin.describeConfigs({
    includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }]
  }))
  await attempt('admin: AlterConfigs topic', () => admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: extra, configEntries: [{ name: 'retention.ms', value: '7200000' }] }]
  }))
  await attempt('admin: CreatePartitions 2 -> 3', () => admin.createPartitions({
    topicPartitions: [{ topic: extra, count: 3 }]
  }))

  for (const [codec, compression] of Object.entries(CODECS)) {
    await attempt(`produce ${codec}: acks=all, keys, a null value, headers`, async () => {
      const producer = kafka.producer({ allowAutoTopicCreation: false })
      await producer.connect()
      try {
        await producer.send({ topic, compression, acks: -1, messages: messages(codec) })
      } finally { await producer.disconnect() }
    })
  }
  await attempt('produce acks=0 (no response expected)', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    await producer.send({ topic, acks: 0, messages: messages('none') })
    await sleep(300)
    await producer.disconnect()
  })
  await attempt('idempotent producer: InitProducerId + Produce with sequence', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    await producer.connect()
    try {
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: messages('gzip') })
    } finally { await producer.disconnect() }
  })
  await attempt('transactional producer: InitProducerId', async () => {
    const producer = kafka.producer({
      transactionalId: `${args.prefix}-txn`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false
    })
    await producer.connect()
    try {
      await step('transaction: begin, produce, send offsets, commit')
      let transaction = await producer.transaction()
      await transaction.send({ topic, messages: [{ key: 'txn-key', value: 'committed value', partition: 0 }] })
      await transaction.sendOffsets({
        consumerGroupId: `${group}-txn`, topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }]
      })
      await transaction.commit()
      await step('transaction: begin, produce, abort')
      transaction = await producer.transaction()
      await transaction.send({ topic, messages: [{ key: 'txn-key', value: 'aborted value', partition: 0 }] })
      await transaction.abort()
    } finally { await producer.disconnect() }
  })

  await attempt('consumer group: FindCoordinator, JoinGroup, SyncGroup, Fetch', async () => {
    const consumer = kafka.consumer({
      groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 200, readUncommitted: false
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    let got = 0
    let next = '0'
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => { got += 1; next = (BigInt(message.offset) + 1n).toString() }
    })
    const deadline = Date.now() + 25000
    while (got < 12 && Date.now() < deadline) await sleep(200)
    if (got === 0) note('group consumer: no message consumed')
    await step('consumer: OffsetCommit')
    await consumer.commitOffsets([{ topic, partition: 0, offset: next }])
    await step('consumer: heartbeats while idle')
    await sleep(3000)
    await step('consumer: disconnect (LeaveGroup)')
    await consumer.disconnect()
  })

  await attempt('admin: OffsetFetch for group', () => admin.fetchOffsets({ groupId: group, topics: [topic] }))
  await attempt('admin: ListOffsets (earliest, latest)', () => admin.fetchTopicOffsets(topic))
  await attempt('admin: ListOffsets by timestamp', () => admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60000))
  await attempt('admin: ListGroups', () => admin.listGroups())
  await attempt('admin: DescribeGroups', () => admin.describeGroups([group]))
  await attempt('admin: DeleteGroups', () => admin.deleteGroups([`${group}-txn`]))
  await attempt('admin: DescribeAcls', () => admin.describeAcls({
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:*',
    host: '*',
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY
  }))
  await attempt('admin: DeleteRecords', () => admin.deleteTopicRecords({ topic: extra, partitions: [{ partition: 0, offset: '0' }] }))
  await attempt('admin: DeleteTopics', async () => {
    const fresh = kafka.admin()
    await fresh.connect()
    try { await fresh.deleteTopics({ topics: [extra], timeout: 10000 }) } finally { await fresh.disconnect() }
  })
  await admin.disconnect()
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1) })
