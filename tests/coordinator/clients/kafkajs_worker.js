// One kafkajs group member in its own process, for the real-client tests (see worker.py for the
// output protocol). Usage: node kafkajs_worker.js BOOTSTRAP TOPIC GROUP [DELAY_MS]
// kafkajs is resolved from NODE_PATH (the conformance suite's node_modules).
'use strict';

const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, group, delayText] = process.argv.slice(2);
const delay = Number(delayText || 10);
const emit = (event, fields) => process.stdout.write(JSON.stringify({ e: event, ...(fields || {}) }) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const kafka = new Kafka({ clientId: 'worker-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 3000, heartbeatInterval: 500, rebalanceTimeout: 10000 });
  let stopping = false;
  process.on('SIGTERM', async () => {
    stopping = true;
    await consumer.disconnect();
    emit('closed');
    process.exit(0);
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assigned = event.payload.memberAssignment[topic] || [];
    emit('A', { p: [...assigned].sort((a, b) => a - b) });
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  emit('started', { client: 'kafkajs' });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachMessage: async ({ partition, message, heartbeat }) => {
      if (stopping) return;
      const offset = Number(message.offset);
      emit('D', { p: partition, o: offset });
      await sleep(delay);
      try {
        await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
        emit('C', { p: partition, o: offset });
      } catch (error) {
        emit('commit-failed', { p: partition, o: offset, message: String(error) });
      }
      await heartbeat();
    },
  });
}

main().catch((error) => {
  emit('error', { message: String(error) });
  process.exit(1);
});
