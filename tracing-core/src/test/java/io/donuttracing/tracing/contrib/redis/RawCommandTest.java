package io.donuttracing.tracing.contrib.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** {@code redis.raw_command} from the arguments Lettuce is given, for the codecs Spring and plain Lettuce use. */
class RawCommandTest {

  private static CommandArgs<String, String> strings() {
    return new CommandArgs<>(StringCodec.UTF8);
  }

  @Test
  void keysValuesAndNumbersAsTheyWouldBeTyped() {
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("optimal_sugar_level_for_hops_7").addValue("4")))
        .isEqualTo("SET optimal_sugar_level_for_hops_7 4");
    assertThat(LettuceTracing.rawCommand("LRANGE", strings().addKey("donuts").add(0).add(-1)))
        .isEqualTo("LRANGE donuts 0 -1");
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("crème brûlée").add("EX").add(10)))
        .isEqualTo("SET k \"crème brûlée\" EX 10");
    assertThat(LettuceTracing.rawCommand("PING", null)).isEqualTo("PING");
    assertThat(LettuceTracing.rawCommand("PING", strings())).isEqualTo("PING");
  }

  @Test
  void valuesThatLookLikeLettucesOwnFormattingAreKeptAsTheyAre() {
    // Lettuce's toCommandString() writes "key<k> value<v>", which a value can imitate
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("a> value<b")))
        .isEqualTo("SET k \"a> value<b\"");
  }

  /** As redis-cli shows them: the agent reads a quoted argument as one, escapes included. */
  @Test
  void argumentsWithSpacesQuotesLineBreaksOrNothingAreQuoted() {
    assertThat(LettuceTracing.rawCommand("HSET", strings().addKey("k").add("f").addValue("").add("g").addValue("v")))
        .isEqualTo("HSET k f \"\" g v");
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("don't \"say\"\r\n\tC:\\")))
        .isEqualTo("SET k \"don't \\\"say\\\"\\r\\n\\tC:\\\\\"");
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("it's")))
        .isEqualTo("SET k \"it's\"");
    // cut first, then quoted: the cut mark stays outside, where it cannot be taken for part of the value
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("a b".repeat(50))))
        .isEqualTo("SET k \"" + "a b".repeat(33) + "a\"...");
  }

  @Test
  void argumentsThatCanCarryAPasswordAreHidden() {
    assertThat(LettuceTracing.rawCommand("AUTH", strings().add("user").add("secret-password"))).isEqualTo("AUTH ?");
    assertThat(LettuceTracing.rawCommand("HELLO", strings().add(3).add("AUTH").add("default").add("secret-password")))
        .isEqualTo("HELLO ?");
    assertThat(LettuceTracing.rawCommand("MIGRATE",
        strings().add("10.0.0.2").add(6379).add("").add(0).add(100).add("AUTH2").add("u").add("secret-password")
            .add("KEYS").addKey("k"))).isEqualTo("MIGRATE ?");
    assertThat(LettuceTracing.rawCommand("ACL", strings().add("SETUSER").add("baker").add("on").add(">secret-password")))
        .isEqualTo("ACL SETUSER ?");
    assertThat(LettuceTracing.rawCommand("CONFIG", strings().add("SET").add("requirepass").add("secret-password")))
        .isEqualTo("CONFIG SET ?");
    assertThat(LettuceTracing.rawCommand("SENTINEL", strings().add("SET").add("donuts").add("auth-pass").add("secret-password")))
        .isEqualTo("SENTINEL SET ?");
    assertThat(LettuceTracing.rawCommand("ACL", strings().add("WHOAMI"))).isEqualTo("ACL WHOAMI");
  }

  @Test
  void eachArgumentIsCutAt100BytesAndTheWholeAt1000Chars() {
    String cut = LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("x".repeat(150)).add("NX"));
    assertThat(cut).isEqualTo("SET k " + "x".repeat(100) + "... NX");

    CommandArgs<String, String> many = strings();
    for (int i = 0; i < 100; i++) {
      many.addKey("key_" + i).addValue("v".repeat(20));
    }
    String whole = LettuceTracing.rawCommand("MSET", many);
    assertThat(whole).startsWith("MSET key_0 " + "v".repeat(20) + " key_1 ").endsWith("...").hasSize(1003);
  }

  @Test
  void noCutSplitsACharacter() {
    // 99 bytes, then a 2-byte é across the 100-byte cut: the cut goes before it, not through it (no U+FFFD)
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("x".repeat(99) + "é" + "x")))
        .isEqualTo("SET k " + "x".repeat(99) + "...");
    // 3-byte characters: 33 of them are 99 bytes, the 34th would be cut in two
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("€".repeat(40))))
        .isEqualTo("SET k " + "€".repeat(33) + "...");
    // the whole: a donut emoji is two chars in Java (a surrogate pair), here the 1,000th and 1,001st
    CommandArgs<String, String> args = strings();
    for (int i = 0; i < 9; i++) {
      args.add("x".repeat(100)); // 9 x 101 chars after "MSET": 913
    }
    args.add("y".repeat(85) + "\uD83C\uDF69").add("z");
    assertThat(LettuceTracing.rawCommand("MSET", args)).hasSize(999 + 3).endsWith("y...");
  }

  @Test
  void aValueOfTensOfKilobytesShowsItsStartAndAHugeOneOnlyThatItWasCut() {
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue("w".repeat(50_000)).add("NX")))
        .isEqualTo("SET k " + "w".repeat(100) + "... NX");

    // Spring Data Redis's codec: the 10 MB are never copied, let alone made a string
    byte[] tenMegabytes = new byte[10 * 1024 * 1024];
    java.util.Arrays.fill(tenMegabytes, (byte) 'z');
    CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
        .addKey("blob".getBytes(StandardCharsets.UTF_8)).addValue(tenMegabytes);
    assertThat(LettuceTracing.rawCommand("SET", args)).isEqualTo("SET blob ...");

    String big = "y".repeat(10 * 1024 * 1024); // the UTF-8 codec, whose size estimate is not exact
    assertThat(LettuceTracing.rawCommand("SET", strings().addKey("k").addValue(big).add("EX").add(10)))
        .isEqualTo("SET k ...");
  }
}
