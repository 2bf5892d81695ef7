// Sarama driver for the conformance suite: the same line-based protocol as java/Driver.java.
//
// Each run reads ONE command on stdin and prints ONE JSON line on stdout: {"ok": true, "result":
// ...} or {"ok": false, "error": {"name", "code", "message"}} (code: Kafka's error code, -1 when
// the error is not the broker's). Command lines:
//
//	op <name>                        first line
//	<key> <value>                    settings (value runs to the end of the line)
//	msg <partition> <key> <value> <timestamp> <headers>
//
// Bytes travel as base64, "-" stands for null; headers are "name:value,..." with both parts base64.
// Built against Debian's packaged Sarama (1.22), which speaks the protocol of Kafka 2.1: the
// driver sets that version (Sarama's own default, 0.8.2, writes message formats Kafka 4 refuses)
// and otherwise keeps Sarama's defaults.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Shopify/sarama"
)

type command struct {
	args     map[string]string
	messages [][]string
}

func (c *command) arg(name string) string {
	value, ok := c.args[name]
	if !ok {
		panic(fmt.Sprintf("missing %s", name))
	}
	return value
}

func (c *command) int(name string) int {
	value, err := strconv.Atoi(c.arg(name))
	if err != nil {
		panic(err)
	}
	return value
}

func (c *command) timeout() time.Duration {
	ms, err := strconv.Atoi(c.args["timeout_ms"])
	if err != nil {
		ms = 20000
	}
	return time.Duration(ms) * time.Millisecond
}

func read() *command {
	c := &command{args: map[string]string{}}
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "msg ") {
			c.messages = append(c.messages, strings.Split(line[4:], " "))
			continue
		}
		parts := strings.SplitN(line, " ", 2)
		if len(parts) == 1 {
			parts = append(parts, "")
		}
		c.args[parts[0]] = parts[1]
	}
	return c
}

func unb64(s string) []byte {
	if s == "-" {
		return nil
	}
	out, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return out
}

func b64(b []byte) *string {
	if b == nil {
		return nil
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s
}

// errorCode finds the broker's error code in what Sarama returned, -1 when there is none.
func errorCode(err error) int {
	switch e := err.(type) {
	case sarama.KError:
		return int(e)
	case *sarama.TopicError:
		return int(e.Err)
	case *sarama.TopicPartitionError:
		return int(e.Err)
	case *sarama.ProducerError:
		return errorCode(e.Err)
	case sarama.ProducerErrors:
		if len(e) > 0 {
			return errorCode(e[0].Err)
		}
	case *sarama.ConsumerError:
		return errorCode(e.Err)
	}
	return -1
}

func config(c *command) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "conformance-sarama"
	cfg.Version = sarama.V2_1_0_0
	cfg.Metadata.Retry.Max = 10
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	return cfg
}

var codecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
	"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
}

var acks = map[string]sarama.RequiredAcks{"0": sarama.NoResponse, "1": sarama.WaitForLocal, "all": sarama.WaitForAll}

func produce(c *command) interface{} {
	cfg := config(c)
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = acks[c.arg("acks")]
	cfg.Producer.Compression = codecs[c.arg("compression")]
	cfg.Producer.MaxMessageBytes = c.int("max_request_size")
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	if c.arg("idempotent") == "true" {
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
	}
	producer, err := sarama.NewSyncProducer([]string{c.arg("bootstrap")}, cfg)
	if err != nil {
		panic(err)
	}
	defer producer.Close()
	var batch []*sarama.ProducerMessage
	for _, m := range c.messages {
		partition, _ := strconv.Atoi(m[0])
		msg := &sarama.ProducerMessage{Topic: c.arg("topic"), Partition: int32(partition)}
		if key := unb64(m[1]); key != nil {
			msg.Key = sarama.ByteEncoder(key)
		}
		if value := unb64(m[2]); value != nil {
			msg.Value = sarama.ByteEncoder(value)
		}
		if m[3] != "-" {
			ms, _ := strconv.ParseInt(m[3], 10, 64)
			msg.Timestamp = time.Unix(0, ms*int64(time.Millisecond))
		}
		if m[4] != "" {
			for _, pair := range strings.Split(m[4], ",") {
				kv := strings.SplitN(pair, ":", 2)
				msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: unb64(kv[0]), Value: unb64(kv[1])})
			}
		}
		batch = append(batch, msg)
	}
	if err := producer.SendMessages(batch); err != nil {
		if errs, ok := err.(sarama.ProducerErrors); ok && len(errs) > 0 {
			panic(errs[0].Err) // the broker's answer, not "failed to deliver N messages"
		}
		panic(err)
	}
	out := []map[string]interface{}{}
	for _, msg := range batch {
		out = append(out, map[string]interface{}{"partition": msg.Partition, "offset": msg.Offset})
	}
	return out
}

func record(m *sarama.ConsumerMessage) map[string]interface{} {
	headers := [][]interface{}{}
	for _, h := range m.Headers {
		headers = append(headers, []interface{}{string(h.Key), b64(h.Value)})
	}
	return map[string]interface{}{
		"partition": m.Partition, "offset": m.Offset, "timestamp": m.Timestamp.UnixNano() / int64(time.Millisecond),
		"key": b64(m.Key), "value": b64(m.Value), "headers": headers,
	}
}

func partitionsOf(c *command) []int32 {
	var out []int32
	for _, p := range strings.Split(c.arg("partitions"), ",") {
		n, _ := strconv.Atoi(p)
		out = append(out, int32(n))
	}
	return out
}

func consume(c *command) interface{} {
	cfg := config(c)
	if c.args["read_committed"] == "true" {
		cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	consumer, err := sarama.NewConsumer([]string{c.arg("bootstrap")}, cfg)
	if err != nil {
		panic(err)
	}
	defer consumer.Close()
	merged := make(chan *sarama.ConsumerMessage)
	for _, p := range partitionsOf(c) {
		pc, err := consumer.ConsumePartition(c.arg("topic"), p, sarama.OffsetOldest)
		if err != nil {
			panic(err)
		}
		defer pc.Close()
		go func(pc sarama.PartitionConsumer) {
			for m := range pc.Messages() {
				merged <- m
			}
		}(pc)
	}
	out := []map[string]interface{}{}
	deadline := time.After(c.timeout())
	for len(out) < c.int("count") {
		select {
		case m := <-merged:
			out = append(out, record(m))
		case <-deadline:
			return out
		}
	}
	return out
}

type groupHandler struct {
	want     int
	got      []map[string]interface{}
	finished chan struct{}
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *groupHandler) ConsumeClaim(session sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.got = append(h.got, record(m))
		session.MarkMessage(m, "")
		if len(h.got) == h.want {
			close(h.finished)
		}
	}
	return nil
}

// groupConsume joins the group, consumes `count` records and leaves, committing what it marked.
func groupConsume(c *command) interface{} {
	cfg := config(c)
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	group, err := sarama.NewConsumerGroup([]string{c.arg("bootstrap")}, c.arg("group"), cfg)
	if err != nil {
		panic(err)
	}
	handler := &groupHandler{want: c.int("count"), got: []map[string]interface{}{}, finished: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if err := group.Consume(ctx, []string{c.arg("topic")}, handler); err != nil {
				return
			}
		}
	}()
	select {
	case <-handler.finished:
	case <-time.After(c.timeout()):
	}
	cancel()
	time.Sleep(300 * time.Millisecond) // one commit interval: the marked offsets reach the coordinator
	if err := group.Close(); err != nil {
		panic(err)
	}
	return handler.got
}

func admin(c *command) sarama.ClusterAdmin {
	a, err := sarama.NewClusterAdmin([]string{c.arg("bootstrap")}, config(c))
	if err != nil {
		panic(err)
	}
	return a
}

func createTopic(c *command) interface{} {
	a := admin(c)
	defer a.Close()
	entries := map[string]*string{}
	if c.args["configs"] != "" {
		for _, entry := range strings.Split(c.args["configs"], ",") {
			kv := strings.SplitN(entry, "=", 2)
			value := kv[1]
			entries[kv[0]] = &value
		}
	}
	detail := &sarama.TopicDetail{NumPartitions: int32(c.int("partitions")), ReplicationFactor: 1, ConfigEntries: entries}
	if err := a.CreateTopic(c.arg("topic"), detail, c.args["validate_only"] == "true"); err != nil {
		panic(err)
	}
	return true
}

func deleteTopic(c *command) interface{} {
	a := admin(c)
	defer a.Close()
	if err := a.DeleteTopic(c.arg("topic")); err != nil {
		panic(err)
	}
	return true
}

func createPartitions(c *command) interface{} {
	a := admin(c)
	defer a.Close()
	if err := a.CreatePartitions(c.arg("topic"), int32(c.int("count")), nil, false); err != nil {
		panic(err)
	}
	return true
}

func describeTopicConfigs(c *command) interface{} {
	a := admin(c)
	defer a.Close()
	entries, err := a.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: c.arg("topic")})
	if err != nil {
		panic(err)
	}
	out := map[string][]interface{}{}
	for _, e := range entries {
		out[e.Name] = []interface{}{e.Value, e.Default, e.ReadOnly, e.Sensitive}
	}
	return out
}

func clientOf(c *command) sarama.Client {
	client, err := sarama.NewClient([]string{c.arg("bootstrap")}, config(c))
	if err != nil {
		panic(err)
	}
	return client
}

func partitions(c *command) interface{} {
	client := clientOf(c)
	defer client.Close()
	found, err := client.Partitions(c.arg("topic"))
	if err != nil {
		panic(err)
	}
	sort.Slice(found, func(i, j int) bool { return found[i] < found[j] })
	return len(found)
}

func watermarks(c *command) interface{} {
	client := clientOf(c)
	defer client.Close()
	p := partitionsOf(c)[0]
	low, err := client.GetOffset(c.arg("topic"), p, sarama.OffsetOldest)
	if err != nil {
		panic(err)
	}
	high, err := client.GetOffset(c.arg("topic"), p, sarama.OffsetNewest)
	if err != nil {
		panic(err)
	}
	return []int64{low, high}
}

func offsetForTime(c *command) interface{} {
	client := clientOf(c)
	defer client.Close()
	ts, _ := strconv.ParseInt(c.arg("timestamp"), 10, 64)
	offset, err := client.GetOffset(c.arg("topic"), partitionsOf(c)[0], ts)
	if err != nil {
		panic(err)
	}
	if offset < 0 {
		return nil
	}
	return offset
}

func groupOffsets(c *command) interface{} {
	a := admin(c)
	defer a.Close()
	response, err := a.ListConsumerGroupOffsets(c.arg("group"), map[string][]int32{c.arg("topic"): partitionsOf(c)})
	if err != nil {
		panic(err)
	}
	out := map[string]int64{}
	for topic, blocks := range response.Blocks {
		for partition, block := range blocks {
			if block.Err != sarama.ErrNoError {
				panic(block.Err)
			}
			out[fmt.Sprintf("%s-%d", topic, partition)] = block.Offset
		}
	}
	return out
}

var ops = map[string]func(*command) interface{}{
	"produce": produce, "consume": consume, "groupConsume": groupConsume, "groupOffsets": groupOffsets,
	"createTopic": createTopic, "deleteTopic": deleteTopic, "createPartitions": createPartitions,
	"describeTopicConfigs": describeTopicConfigs, "partitions": partitions, "watermarks": watermarks,
	"offsetForTime": offsetForTime,
}

func main() {
	c := read()
	answer := map[string]interface{}{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				err, ok := r.(error)
				if !ok {
					err = fmt.Errorf("%v", r)
				}
				answer = map[string]interface{}{"ok": false, "error": map[string]interface{}{
					"name": fmt.Sprintf("%T", err), "code": errorCode(err), "message": err.Error()}}
			}
		}()
		op, found := ops[c.arg("op")]
		if !found {
			panic(fmt.Sprintf("unknown op %s", c.arg("op")))
		}
		answer = map[string]interface{}{"ok": true, "result": op(c)}
	}()
	line, _ := json.Marshal(answer)
	fmt.Println(string(line))
	os.Exit(0)
}
