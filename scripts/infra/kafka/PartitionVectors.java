// Generates packages/domain/test/partition-vectors.json: chat id -> partition, as placed by the
// REAL Java Kafka producer (kafka-clients' built-in partitioner for a non-null key), so that
// partitionFor in @chat/domain, kafkajs' DefaultPartitioner and any JVM or Go client can be
// checked against the same numbers (ADR-011).
//
// Run from the repository root (scripts/infra/kafka.sh install fetches kafka-clients):
//
//   CP="${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/kafka-3.9.1/libs/*"
//   javac -cp "$CP" -d /tmp/partition-vectors scripts/infra/kafka/PartitionVectors.java
//   java -cp "/tmp/partition-vectors:$CP" PartitionVectors > packages/domain/test/partition-vectors.json
//
// The output is deterministic (fixed seed), so rerunning it must not change the file.

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Utils;

public class PartitionVectors {
  // Partition counts of the topics in packages/domain/src/topics.ts.
  static final String[] TOPICS = {"messages.persisted", "memberships.changed", "chats.created", "dead_letters"};
  static final int[] PARTITIONS = {64, 16, 16, 8};
  static final int[] DISTINCT_COUNTS = {64, 16, 8};

  public static void main(String[] args) {
    List<String> ids = new ArrayList<>();
    // Every murmur2 tail length (0..3 trailing bytes), single characters, separators.
    for (String s : new String[] {"", "a", "z", "0", "_", "-", ".", ":", "@", " ", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"}) ids.add(s);
    // Non-ASCII keys: bytes >= 0x80 catch sign-extension bugs; 2-, 3- and 4-byte UTF-8 sequences
    // (e acute, u umlaut, Japanese, Cyrillic, an emoji as a surrogate pair, a mix, Latin-1 y-diaeresis, thorn, y-acute),
    // written as escapes so the file is ASCII and javac's source encoding cannot change them.
    for (String s : new String[] {"\u00e9", "\u00fc", "\u65e5\u672c", "\u0447\u0430\u0442", "\ud83d\udcac", "c_\ud83d\udcac_\u65e5\u672c", "\u00ff\u00fe\u00fd"}) ids.add(s);
    // Typical and boundary-shaped ids.
    for (String s : new String[] {"c_00000000000000000000000000000000", "c_ffffffffffffffffffffffffffffffff", "user@example.com", "team:eng.backend", "general", "chat-1", "chat-2"}) ids.add(s);
    // Long ids.
    ids.add("c_" + "0123456789abcdef".repeat(8));
    ids.add("x".repeat(255));
    ids.add("long-" + "ab".repeat(500));
    // Ids shaped like newChatId(): c_<32 hex>.
    Random random = new Random(20251123L);
    for (int i = 0; i < 40; i++) {
      StringBuilder id = new StringBuilder("c_");
      for (int j = 0; j < 32; j++) id.append(Character.forDigit(random.nextInt(16), 16));
      ids.add(id.toString());
    }

    StringSerializer serializer = new StringSerializer();
    StringBuilder out = new StringBuilder();
    out.append("{\n");
    out.append("  \"generator\": \"scripts/infra/kafka/PartitionVectors.java\",\n");
    out.append("  \"kafkaClients\": ").append(json(AppInfoParser.getVersion())).append(",\n");
    out.append("  \"formula\": \"toPositive(murmur2(utf8(key))) % partitions\",\n");
    out.append("  \"topics\": {");
    for (int t = 0; t < TOPICS.length; t++) out.append(t == 0 ? "" : ", ").append(json(TOPICS[t])).append(": ").append(PARTITIONS[t]);
    out.append("},\n");
    out.append("  \"vectors\": [\n");
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      byte[] key = serializer.serialize("any-topic", id);
      out.append("    {\"key\": ").append(json(id)).append(", \"murmur2\": ").append(Utils.murmur2(key)).append(", \"partitions\": {");
      for (int c = 0; c < DISTINCT_COUNTS.length; c++) {
        int n = DISTINCT_COUNTS[c];
        // What the producer actually does for a keyed record with no explicit partition...
        int placed = BuiltInPartitioner.partitionForKey(key, n);
        // ...and the documented formula; they must agree or the vectors mean nothing.
        int formula = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % n;
        if (placed != formula) throw new IllegalStateException("partitioner disagrees with formula for " + id);
        out.append(c == 0 ? "" : ", ").append("\"").append(n).append("\": ").append(placed);
      }
      out.append("}}").append(i + 1 < ids.size() ? "," : "").append("\n");
    }
    out.append("  ]\n}\n");
    System.out.print(out);
  }

  // JSON string with everything outside printable ASCII escaped, so the file is plain ASCII.
  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
