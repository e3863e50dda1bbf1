import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics from the beginning to their last stable offset with Kafka's own consumer, isolation
 * read_committed, and prints one JSON line per record (key, value, header names and values in
 * base64). The tests' reference for what a read_committed reader sees (java-reader.ts).
 *
 * Usage: java -cp '<kafka lib>/*' ReadCommitted.java <bootstrap servers> <timeout ms> <topic>...
 */
public class ReadCommitted {
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private static String b64(byte[] bytes) {
    return bytes == null ? "null" : "\"" + B64.encodeToString(bytes) + "\"";
  }

  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    long deadline = System.currentTimeMillis() + Long.parseLong(args[1]);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int t = 2; t < args.length; t++) {
        String topic = args[t];
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // read_committed: the last stable offset, before which no transaction is open.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (true) {
        boolean done = true;
        for (TopicPartition p : partitions) done &= consumer.position(p) >= end.get(p);
        if (done) return;
        if (System.currentTimeMillis() > deadline) {
          System.err.println("ReadCommitted: not at the end of " + partitions + " in time");
          System.exit(2);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          StringBuilder headers = new StringBuilder();
          for (Header h : r.headers()) {
            if (headers.length() > 0) headers.append(',');
            headers.append('[').append(b64(h.key().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .append(',').append(b64(h.value())).append(']');
          }
          System.out.println("{\"topic\":\"" + r.topic() + "\",\"partition\":" + r.partition()
              + ",\"offset\":" + r.offset() + ",\"timestamp\":" + r.timestamp()
              + ",\"key\":" + b64(r.key()) + ",\"value\":" + b64(r.value())
              + ",\"headers\":[" + headers + "]}");
        }
      }
    }
  }
}
