// Java client (Apache Kafka's kafka-clients) driver for the conformance suite.
//
// Why a driver: the suite is Python, the Java client is Java. Each run reads ONE command on stdin
// and prints ONE JSON line on stdout: {"ok": true, "result": ...} or {"ok": false, "error":
// {"name", "code", "message"}} where code is Kafka's error code of the exception (-1: not a
// Kafka error). The command is line-based so no JSON library is needed on the classpath:
//   op <name>                        first line
//   <key> <value>                    settings (value runs to the end of the line)
//   msg <partition> <key> <value> <timestamp> <headers>
// Bytes travel as base64, "-" stands for null; headers are "name:value,..." with both parts base64.
// Clients use the library's defaults except what a command names (no special settings).

import java.time.Duration;
import java.util.*;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class Driver {
    private final Map<String, String> args = new HashMap<>();
    private final List<String[]> messages = new ArrayList<>();

    public static void main(String[] argv) throws Exception {
        Driver driver = new Driver();
        String out;
        try {
            driver.read(new Scanner(System.in, "UTF-8"));
            out = "{\"ok\":true,\"result\":" + driver.run() + "}";
        } catch (Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            out = "{\"ok\":false,\"error\":{\"name\":" + str(root.getClass().getSimpleName())
                + ",\"code\":" + Errors.forException(root).code()
                + ",\"message\":" + str(String.valueOf(root.getMessage())) + "}}";
        }
        System.out.println(out);
        System.out.flush();
        System.exit(0); // the clients' own threads must not keep the JVM alive
    }

    private void read(Scanner in) {
        while (in.hasNextLine()) {
            String line = in.nextLine();
            if (line.isEmpty()) continue;
            if (line.startsWith("msg ")) {
                messages.add(line.substring(4).split(" ", -1));
            } else {
                int space = line.indexOf(' ');
                args.put(space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1));
            }
        }
    }

    private String arg(String name) {
        String value = args.get(name);
        if (value == null) throw new IllegalArgumentException("missing " + name);
        return value;
    }

    private String run() throws Exception {
        switch (arg("op")) {
            case "produce": return produce();
            case "consume": return consume();
            case "partitions": return partitions();
            case "watermarks": return watermarks();
            case "offsetForTime": return offsetForTime();
            case "createTopic": return createTopic();
            case "describeTopicConfigs": return describeTopicConfigs();
            case "alterTopicConfig": return alterTopicConfig();
            case "createPartitions": return createPartitions();
            case "deleteTopic": return deleteTopic();
            case "describeCluster": return describeCluster();
            case "groupConsume": return groupConsume();
            case "groupOffsets": return groupOffsets();
            case "transaction": return transaction();
            default: throw new IllegalArgumentException("unknown op " + arg("op"));
        }
    }

    // -- clients -------------------------------------------------------------------------------

    private Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", arg("bootstrap"));
        p.put("client.id", "conformance-java");
        return p;
    }

    private KafkaProducer<byte[], byte[]> producer(Properties p) {
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer(Properties p) {
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Admin admin() {
        return Admin.create(common());
    }

    private long timeoutMs() {
        return Long.parseLong(args.getOrDefault("timeout_ms", "20000"));
    }

    // -- produce and consume -------------------------------------------------------------------

    private List<ProducerRecord<byte[], byte[]>> records() {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (String[] m : messages) {
            List<Header> headers = new ArrayList<>();
            if (!m[4].isEmpty()) {
                for (String pair : m[4].split(",")) {
                    String[] kv = pair.split(":", 2);
                    headers.add(new RecordHeader(new String(unb64(kv[0]), java.nio.charset.StandardCharsets.UTF_8), unb64(kv[1])));
                }
            }
            Long timestamp = m[3].equals("-") ? null : Long.valueOf(m[3]);
            out.add(new ProducerRecord<>(arg("topic"), Integer.valueOf(m[0]), timestamp, unb64(m[1]), unb64(m[2]), headers));
        }
        return out;
    }

    private String produce() throws Exception {
        Properties p = common();
        p.put("acks", arg("acks"));
        p.put("compression.type", arg("compression"));
        p.put("max.request.size", arg("max_request_size"));
        if (Boolean.parseBoolean(arg("idempotent"))) p.put("enable.idempotence", "true");
        StringBuilder out = new StringBuilder("[");
        try (KafkaProducer<byte[], byte[]> producer = producer(p)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : records()) sent.add(producer.send(r));
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get(timeoutMs(), TimeUnit.MILLISECONDS);
                if (out.length() > 1) out.append(',');
                out.append("{\"partition\":").append(m.partition()).append(",\"offset\":").append(m.offset()).append('}');
            }
        }
        return out.append(']').toString();
    }

    private List<TopicPartition> assigned() {
        List<TopicPartition> out = new ArrayList<>();
        for (String p : arg("partitions").split(",")) out.add(new TopicPartition(arg("topic"), Integer.parseInt(p)));
        return out;
    }

    private static String recordJson(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder h = new StringBuilder("[");
        for (Header header : r.headers()) {
            if (h.length() > 1) h.append(',');
            h.append('[').append(str(header.key())).append(',').append(b64(header.value())).append(']');
        }
        h.append(']');
        return "{\"partition\":" + r.partition() + ",\"offset\":" + r.offset() + ",\"timestamp\":" + r.timestamp()
            + ",\"key\":" + b64(r.key()) + ",\"value\":" + b64(r.value()) + ",\"headers\":" + h + "}";
    }

    private String drain(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<String> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMs();
        while (got.size() < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) got.add(recordJson(r));
        }
        return "[" + String.join(",", got) + "]";
    }

    private String consume() {
        Properties p = common();
        p.put("isolation.level", Boolean.parseBoolean(arg("read_committed")) ? "read_committed" : "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(p)) {
            List<TopicPartition> partitions = assigned();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return drain(consumer, Integer.parseInt(arg("count")));
        }
    }

    private String groupConsume() {
        Properties p = common();
        p.put("group.id", arg("group"));
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("group.protocol", args.getOrDefault("group_protocol", "classic"));
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(p)) {
            consumer.subscribe(List.of(arg("topic")));
            String records = drain(consumer, Integer.parseInt(arg("count")));
            consumer.commitSync(Duration.ofMillis(timeoutMs()));
            return records;
        }
    }

    private String transaction() throws Exception {
        Properties p = common();
        p.put("transactional.id", arg("transactional_id"));
        try (KafkaProducer<byte[], byte[]> producer = producer(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> r : records()) producer.send(r);
            if (args.containsKey("offsets_group")) {
                // As a consume-transform-produce application does: the group's metadata from its consumer.
                Properties c = common();
                c.put("group.id", arg("offsets_group"));
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(c)) {
                    producer.sendOffsetsToTransaction(
                        Map.of(new TopicPartition(arg("offsets_topic"), 0),
                               new OffsetAndMetadata(Long.parseLong(arg("offsets_offset")))),
                        consumer.groupMetadata());
                }
            }
            producer.flush();
            if (Boolean.parseBoolean(arg("commit"))) producer.commitTransaction();
            else producer.abortTransaction();
        }
        return "true";
    }

    // -- metadata and offsets ------------------------------------------------------------------

    private String partitions() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(common())) {
            List<PartitionInfo> found = consumer.partitionsFor(arg("topic"), Duration.ofMillis(timeoutMs()));
            return String.valueOf(found == null ? 0 : found.size());
        }
    }

    private String watermarks() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(common())) {
            TopicPartition tp = assigned().get(0);
            Duration timeout = Duration.ofMillis(timeoutMs());
            long low = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            long high = consumer.endOffsets(List.of(tp), timeout).get(tp);
            return "[" + low + "," + high + "]";
        }
    }

    private String offsetForTime() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(common())) {
            TopicPartition tp = assigned().get(0);
            OffsetAndTimestamp found = consumer.offsetsForTimes(
                Map.of(tp, Long.parseLong(arg("timestamp"))), Duration.ofMillis(timeoutMs())).get(tp);
            return found == null ? "null" : String.valueOf(found.offset());
        }
    }

    // -- admin ---------------------------------------------------------------------------------

    private String createTopic() throws Exception {
        NewTopic topic = new NewTopic(arg("topic"), Integer.parseInt(arg("partitions")), (short) 1);
        Map<String, String> configs = new HashMap<>();
        for (String entry : args.getOrDefault("configs", "").split(",")) {
            if (!entry.isEmpty()) configs.put(entry.split("=", 2)[0], entry.split("=", 2)[1]);
        }
        topic.configs(configs);
        boolean validateOnly = Boolean.parseBoolean(args.getOrDefault("validate_only", "false"));
        try (Admin admin = admin()) {
            CreateTopicsResult result = admin.createTopics(List.of(topic), new CreateTopicsOptions().validateOnly(validateOnly));
            result.all().get(timeoutMs(), TimeUnit.MILLISECONDS);
            return "{\"topic_id\":" + str(String.valueOf(result.topicId(arg("topic")).get()))
                + ",\"partitions\":" + result.numPartitions(arg("topic")).get() + "}";
        }
    }

    private String describeTopicConfigs() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, arg("topic"));
        try (Admin admin = admin()) {
            Config config = admin.describeConfigs(List.of(resource)).all().get(timeoutMs(), TimeUnit.MILLISECONDS).get(resource);
            StringBuilder out = new StringBuilder("{");
            for (ConfigEntry entry : config.entries()) {
                if (out.length() > 1) out.append(',');
                out.append(str(entry.name())).append(":[").append(entry.value() == null ? "null" : str(entry.value()))
                    .append(',').append(str(entry.source().name())).append(',').append(entry.isReadOnly())
                    .append(',').append(entry.isSensitive()).append(']');
            }
            return out.append('}').toString();
        }
    }

    private String alterTopicConfig() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, arg("topic"));
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(arg("name"), arg("value")), AlterConfigOp.OpType.SET);
        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get(timeoutMs(), TimeUnit.MILLISECONDS);
            return "true";
        }
    }

    private String createPartitions() throws Exception {
        try (Admin admin = admin()) {
            admin.createPartitions(Map.of(arg("topic"), NewPartitions.increaseTo(Integer.parseInt(arg("count")))))
                .all().get(timeoutMs(), TimeUnit.MILLISECONDS);
            TopicDescription d = admin.describeTopics(List.of(arg("topic"))).allTopicNames()
                .get(timeoutMs(), TimeUnit.MILLISECONDS).get(arg("topic"));
            return String.valueOf(d.partitions().size());
        }
    }

    private String deleteTopic() throws Exception {
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(arg("topic"))).all().get(timeoutMs(), TimeUnit.MILLISECONDS);
            return String.valueOf(admin.listTopics().names().get(timeoutMs(), TimeUnit.MILLISECONDS).contains(arg("topic")));
        }
    }

    private String describeCluster() throws Exception {
        try (Admin admin = admin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            Collection<Node> nodes = cluster.nodes().get(timeoutMs(), TimeUnit.MILLISECONDS);
            return "{\"cluster_id\":" + str(cluster.clusterId().get()) + ",\"controller\":" + cluster.controller().get().id()
                + ",\"nodes\":" + nodes.size() + "}";
        }
    }

    private String groupOffsets() throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(arg("group"))
                .partitionsToOffsetAndMetadata().get(timeoutMs(), TimeUnit.MILLISECONDS);
            StringBuilder out = new StringBuilder("{");
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                if (out.length() > 1) out.append(',');
                out.append(str(e.getKey().toString())).append(':').append(e.getValue().offset());
            }
            return out.append('}').toString();
        }
    }

    // -- encoding ------------------------------------------------------------------------------

    private static byte[] unb64(String s) {
        return s.equals("-") ? null : Base64.getDecoder().decode(s);
    }

    private static String b64(byte[] b) {
        return b == null ? "null" : "\"" + Base64.getEncoder().encodeToString(b) + "\"";
    }

    private static String str(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
