// kafkajs 2.2 against the stream role: admin createTopics (sent to the
// controller named in Metadata), a gzip producer with keys and headers,
// fetchTopicOffsets, and (mode "consume") a group consumer reading them back.
// Prints one JSON line with what it saw; exits non-zero on any error.
// Usage: node kafka_client.mjs <broker> <topic> [produce|consume] [count]
import { CompressionTypes, Kafka, logLevel } from "kafkajs";

const [broker, topic, mode = "produce", countArg = "100"] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({ clientId: "itest-kafkajs", brokers: [broker], logLevel: logLevel.NOTHING });

async function produce() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++)
    messages.push({ key: `k${i}`, value: `v${i}`, partition: i % 2, headers: { n: `${i}` } });
  const res = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  await producer.disconnect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return { created, sent: res.map((r) => [r.partition, r.baseOffset, r.errorCode]), offsets };
}

async function consume() {
  const consumer = kafka.consumer({ groupId: `g-${topic}`, sessionTimeout: 6000, heartbeatInterval: 500,
    rebalanceTimeout: 6000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} records`)), 60000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push([partition, Number(message.offset), message.key.toString(), message.value.toString()]);
        if (seen.length >= count) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return { seen };
}

try {
  const out = mode === "consume" ? await consume() : await produce();
  console.log(JSON.stringify(out));
  process.exit(0);
} catch (e) {
  console.error(String(e && e.stack || e));
  process.exit(1);
}
