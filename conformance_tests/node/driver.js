// kafkajs driver for the conformance suite.
//
// Why a driver: the suite is Python, kafkajs is Node. Each invocation reads ONE JSON command on stdin,
// runs it with a fresh client and prints ONE JSON line: {"ok": true, "result": ...} or
// {"ok": false, "error": {name, type, code, message}}. Bytes travel as base64 (null stays null).
'use strict';

const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };
const b64 = (buf) => (buf === null || buf === undefined ? null : Buffer.from(buf).toString('base64'));
const unb64 = (s) => (s === null || s === undefined ? null : Buffer.from(s, 'base64'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function client(cmd) {
  return new Kafka({
    clientId: 'conformance-kafkajs',
    brokers: cmd.brokers,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    logLevel: logLevel.NOTHING,
    retry: { retries: cmd.retries === undefined ? 3 : cmd.retries, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

function toMessages(messages) {
  return messages.map((m) => {
    const headers = {};
    for (const [k, v] of m.headers || []) headers[k] = unb64(v);
    const out = { key: unb64(m.key), value: unb64(m.value), partition: m.partition, headers };
    if (m.timestamp !== null && m.timestamp !== undefined) out.timestamp = m.timestamp;
    return out;
  });
}

function fromMessage(partition, message) {
  const headers = Object.entries(message.headers || {}).map(([k, v]) => [k, b64(v)]);
  return { partition, offset: message.offset, key: b64(message.key), value: b64(message.value),
    timestamp: message.timestamp, headers };
}

async function withAdmin(cmd, fn) {
  const admin = client(cmd).admin();
  await admin.connect();
  try { return await fn(admin); } finally { await admin.disconnect(); }
}

async function consume(cmd, groupId) {
  const consumer = client(cmd).consumer({
    groupId: groupId || cmd.groupId,
    readUncommitted: !cmd.readCommitted,
    sessionTimeout: cmd.sessionTimeout || 10000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });
  const records = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [cmd.topic], fromBeginning: cmd.fromBeginning !== false });
    let done;
    const finished = new Promise((resolve) => { done = resolve; });
    const wanted = new Set(cmd.partitions || []);
    await consumer.run({
      autoCommit: cmd.autoCommit !== false,
      eachMessage: async ({ partition, message }) => {
        if (wanted.size && !wanted.has(partition)) return;
        records.push(fromMessage(partition, message));
        if (records.length >= cmd.count) done();
      },
    });
    await Promise.race([finished, sleep(cmd.timeoutMs || 20000)]);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

const OPS = {
  async produce(cmd) {
    const producer = client(cmd).producer({ idempotent: !!cmd.idempotent, allowAutoTopicCreation: false,
      maxInFlightRequests: cmd.idempotent ? 1 : undefined });
    await producer.connect();
    try {
      const result = await producer.send({ topic: cmd.topic, messages: toMessages(cmd.messages),
        acks: cmd.acks, timeout: 10000, compression: CODECS[cmd.compression || 'none'] });
      return result;
    } finally { await producer.disconnect(); }
  },
  async consume(cmd) {
    return consume(cmd, cmd.groupId || `conformance-kafkajs-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  },
  async metadata(cmd) { return withAdmin(cmd, (a) => a.fetchTopicMetadata({ topics: cmd.topics })); },
  async listTopics(cmd) { return withAdmin(cmd, (a) => a.listTopics()); },
  async createTopic(cmd) {
    return withAdmin(cmd, (a) => a.createTopics({ validateOnly: !!cmd.validateOnly, waitForLeaders: true,
      topics: [{ topic: cmd.topic, numPartitions: cmd.partitions || 1, replicationFactor: cmd.replicationFactor || 1,
        configEntries: Object.entries(cmd.configs || {}).map(([name, value]) => ({ name, value })) }] }));
  },
  async deleteTopic(cmd) { return withAdmin(cmd, (a) => a.deleteTopics({ topics: [cmd.topic], timeout: 10000 })); },
  async createPartitions(cmd) {
    return withAdmin(cmd, (a) => a.createPartitions({ topicPartitions: [{ topic: cmd.topic, count: cmd.count }] }));
  },
  async describeConfigs(cmd) {
    return withAdmin(cmd, (a) => a.describeConfigs({ includeSynonyms: false,
      resources: [{ type: 2, name: cmd.topic }] }));
  },
  async offsets(cmd) { return withAdmin(cmd, (a) => a.fetchTopicOffsets(cmd.topic)); },
  async offsetsByTime(cmd) { return withAdmin(cmd, (a) => a.fetchTopicOffsetsByTimestamp(cmd.topic, cmd.timestamp)); },
  async groupOffsets(cmd) { return withAdmin(cmd, (a) => a.fetchOffsets({ groupId: cmd.groupId, topics: [cmd.topic] })); },
  async describeGroup(cmd) { return withAdmin(cmd, (a) => a.describeGroups([cmd.groupId])); },
  async transaction(cmd) {
    const producer = client(cmd).producer({ transactionalId: cmd.transactionalId, idempotent: true,
      maxInFlightRequests: 1, allowAutoTopicCreation: false, transactionTimeout: 30000 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: cmd.topic, messages: toMessages(cmd.messages) });
        if (cmd.offsets) {
          await txn.sendOffsets({ consumerGroupId: cmd.offsets.groupId,
            topics: [{ topic: cmd.offsets.topic, partitions: [{ partition: 0, offset: String(cmd.offsets.offset) }] }] });
        }
      } catch (e) { await txn.abort(); throw e; }
      if (cmd.commit) await txn.commit(); else await txn.abort();
      return true;
    } finally { await producer.disconnect(); }
  },
};

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const cmd = JSON.parse(Buffer.concat(chunks).toString());
  const op = OPS[cmd.op];
  if (!op) throw new Error(`unknown op ${cmd.op}`);
  return op(cmd);
}

main().then(
  // exit only once stdout is flushed: a piped stdout is asynchronous and large results were cut off
  (result) => { process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`, () => process.exit(0)); },
  (e) => {
    // Retry wrappers (KafkaJSNumberOfRetriesExceeded) keep the broker's error as `cause`.
    let root = e;
    while (root && root.cause && root.code === undefined) root = root.cause;
    const error = { name: e.name, type: root.type, code: root.code, message: e.message, retriable: e.retriable };
    if (e.errors) error.errors = e.errors.map((x) => ({ name: x.name, type: x.type, code: x.code, message: x.message }));
    process.stdout.write(`${JSON.stringify({ ok: false, error })}\n`, () => process.exit(0));
  },
);
