package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON reader the writer reads the agent's answers with. */
class JsonTest {

  @Test
  void readsAnAgentsInfo() {
    // the shape of datadog-agent's /info (pkg/trace/api/info.go), cut short
    String info = """
        {
          "version": "7.73.0",
          "endpoints": ["/v0.4/traces", "/v0.6/stats", "/info"],
          "client_drop_p0s": true,
          "span_meta_structs": false,
          "long_running_spans": true,
          "config": {"default_env": "none", "target_tps": 10, "max_eps": 200.0, "analyzed_spans_by_service": {},
                     "obfuscation": null, "max_memory": -1.5e3},
          "filter_tags": {"require": ["env:prod"], "reject": ["debug"]}
        }
        """;
    Map<String, Object> read = Json.objectIn(info);
    assertThat(read).containsOnlyKeys("version", "endpoints", "client_drop_p0s", "span_meta_structs",
        "long_running_spans", "config", "filter_tags");
    assertThat(read.get("version")).isEqualTo("7.73.0");
    assertThat(Json.strings(read.get("endpoints"))).containsExactly("/v0.4/traces", "/v0.6/stats", "/info");
    assertThat(read.get("client_drop_p0s")).isEqualTo(Boolean.TRUE);
    assertThat(read.get("span_meta_structs")).isEqualTo(Boolean.FALSE);
    Map<String, Object> config = Json.object(read.get("config"));
    assertThat(config).containsEntry("target_tps", 10.0).containsEntry("max_eps", 200.0)
        .containsEntry("max_memory", -1500.0).containsEntry("obfuscation", null)
        .containsEntry("analyzed_spans_by_service", Map.of());
    assertThat(Json.strings(Json.object(read.get("filter_tags")).get("reject"))).containsExactly("debug");
  }

  @Test
  void unescapesStrings() {
    assertThat(Json.parse("\"a\\\\d+ \\\"q\\\" \\u0041\\/ \\n\\t\\r\\b\\f é\"")).isEqualTo("a\\d+ \"q\" A/ \n\t\r\b\f é");
    assertThat(Json.parse("\"\\ud83c\\udf69\"")).as("a surrogate pair").isEqualTo("\uD83C\uDF69");
    assertThat(Json.parse("[]")).isEqualTo(List.of());
    assertThat(Json.parse(" [ 1 , \"x\" , [ ] , { } , null ] ")).isEqualTo(Arrays.asList(1.0, "x", List.of(), Map.of(), null));
    assertThat(Json.parse("0")).isEqualTo(0.0);
    assertThat(Json.parse("-0.25E+1")).isEqualTo(-2.5);
  }

  @Test
  void keysKeepTheirOrderAndTheLastOfTwoSameKeysWins() {
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", 1.0);
    expected.put("a", 3.0);
    assertThat(Json.parse("{\"b\":1,\"a\":2,\"a\":3}")).isEqualTo(expected);
  }

  @Test
  void whatIsNotJsonIsRefusedSayingWhere() {
    assertThatThrownBy(() -> Json.parse("OK")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not JSON: expected a value at character 0");
    assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).hasMessage("not JSON: expected a string key at character 7");
    assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessage("not JSON: expected ':' at character 5");
    assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessage("not JSON: expected ']' at character 3");
    assertThatThrownBy(() -> Json.parse("{} {}")).hasMessage("not JSON: expected the end after the value at character 3");
    assertThatThrownBy(() -> Json.parse("\"cut")).hasMessage("not JSON: expected the string's closing quote at character 4");
    assertThatThrownBy(() -> Json.parse("\"\\u00")).hasMessage("not JSON: expected four hex digits after \\u at character 5");
    // Integer.parseInt would take these: a sign, a digit of another script (Kannada 8), a fullwidth A
    for (String notHex : List.of("\\u-01A", "\\u+01A", "\\u000\u0cee", "\\u000\uff21")) {
      assertThatThrownBy(() -> Json.parse("\"" + notHex + "\"")).as(notHex).hasMessageContaining("four hex digits");
    }
    assertThat(Json.parse("\"\\u00e9\\u00C9\"")).isEqualTo("éÉ");
    assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("an escape such as");
    assertThatThrownBy(() -> Json.parse("\"a\nb\"")).hasMessageContaining("no control character");
    for (String notANumber : List.of("+1", "01", "1.", ".5", "1e", "--1", "NaN", "tru", "nul")) {
      assertThatThrownBy(() -> Json.parse(notANumber)).as(notANumber).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Json.parse("")).hasMessage("not JSON: expected a value at character 0");
  }

  @Test
  void anAnswerNestedTooDeepIsRefusedWithoutOverflowingTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("at most 64 nested arrays and objects");
    String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertThat(Json.parse(deepest)).isInstanceOf(List.class);
  }

  @Test
  void theHelpersGiveNothingForTheWrongShape() {
    assertThat(Json.objectIn("OK")).isEmpty();
    assertThat(Json.objectIn("[1]")).isEmpty();
    assertThat(Json.object("x")).isEmpty();
    assertThat(Json.strings(null)).isEmpty();
    assertThat(Json.strings(Json.parse("[\"a\",1]"))).as("not strings only").isEmpty();
    assertThat(Json.strings(Json.parse("\"a\""))).isEmpty();
  }

  /**
   * Random documents, written by Jackson and then one character in three deleted, inserted or replaced: the two
   * readers read the same, or both refuse. Only where Jackson reads a {@code \\u} escape whose digits are not all
   * hex (it takes {@code \\u00Ex} as {@code \\u00Ed}) does this reader refuse alone.
   */
  @Test
  void readsWhatJacksonReadsAndRefusesWhatItRefuses() {
    JsonMapper jackson = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    Random random = new Random(42);
    String damage = "{}[]\",:\\ 0-.eEtfnu1\n";
    int agreed = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder(jackson.writeValueAsString(randomValue(random, 0)));
      if (random.nextInt(3) == 0) {
        int at = random.nextInt(text.length());
        char c = damage.charAt(random.nextInt(damage.length()));
        switch (random.nextInt(3)) {
          case 0 -> text.deleteCharAt(at);
          case 1 -> text.insert(at, c);
          default -> text.setCharAt(at, c);
        }
      }
      String doc = text.toString();
      Object theirs;
      try {
        theirs = withDoubles(jackson.readValue(doc, Object.class));
      } catch (RuntimeException e) {
        assertThatThrownBy(() -> Json.parse(doc)).as(doc).isInstanceOf(IllegalArgumentException.class);
        agreed++;
        continue;
      }
      try {
        assertThat(Json.parse(doc)).as(doc).isEqualTo(theirs);
        agreed++;
      } catch (IllegalArgumentException e) {
        assertThat(e).as(doc).hasMessageContaining("four hex digits after \\u");
      }
    }
    assertThat(agreed).isGreaterThan(19_900);
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 4 ? 5 : 7)) {
      case 0:
        return random.nextBoolean();
      case 1:
        return null;
      case 2:
        return (random.nextInt(2000) - 1000) / (1.0 + random.nextInt(8));
      case 3:
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(6); n > 0; n--) { // ASCII (control characters too) and beyond
          s.append((char) (random.nextBoolean() ? random.nextInt(128) : random.nextInt(0x3000)));
        }
        return s.toString();
      case 4:
        return "k" + random.nextInt(10);
      case 5:
        List<Object> list = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
          list.add(randomValue(random, depth + 1));
        }
        return list;
      default:
        Map<String, Object> map = new LinkedHashMap<>();
        for (int n = random.nextInt(4); n > 0; n--) {
          map.put("k" + random.nextInt(5) + (random.nextBoolean() ? "\"\\\u00e9" : ""), randomValue(random, depth + 1));
        }
        return map;
    }
  }

  /** Jackson reads 3 as an Integer; this reader reads every number as a double. */
  private static Object withDoubles(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    } else if (value instanceof List<?> list) {
      return list.stream().map(JsonTest::withDoubles).toList();
    } else if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, withDoubles(v)));
      return copy;
    }
    return value;
  }
}
