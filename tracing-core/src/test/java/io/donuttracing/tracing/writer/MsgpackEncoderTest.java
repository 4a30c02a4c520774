package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The encoder reuses its buffer and caches strings: each batch must still decode to exactly its own spans. */
class MsgpackEncoderTest {
  final RecordingWriter recorded = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(recorded);
  final MsgpackEncoder encoder = new MsgpackEncoder("test", null, "svc");

  List<List<Span>> traces(String... resources) {
    recorded.chunks.clear();
    for (String resource : resources) {
      try (Span span = tracer.trace("servlet.request")) {
        span.setResource(resource).setTag("http.method", "GET").setTag("note", resource);
      }
    }
    return new ArrayList<>(recorded.chunks);
  }

  /** As env and version: the span's own tag, written once; the trace's origin only on spans without one. */
  @Test
  @SuppressWarnings("unchecked")
  void aSpansOwnOriginIsWrittenOnceAndWinsInBothEncoders() throws Exception {
    recorded.chunks.clear();
    io.donuttracing.tracing.SpanContext caller = new io.donuttracing.tracing.SpanContext(0, 7, 8, 1, "synthetics",
        null, null, null);
    try (Span root = tracer.trace("servlet.request", null, caller)) {
      root.setTag("_dd.origin", "rum");
      tracer.trace("child").close();
    }
    List<List<Span>> traces = new ArrayList<>(recorded.chunks);

    List<Map<String, Object>> spans = FakeAgent.decode(encoder.encode(traces)).get(0);
    tools.jackson.databind.JsonNode json = new tools.jackson.databind.ObjectMapper()
        .readTree(new JsonEncoder("test", null, "svc").encode(traces)).get(0);
    for (int i = 0; i < 2; i++) {
      String expected = spans.get(i).get("name").equals("servlet.request") ? "rum" : "synthetics";
      Map<String, Object> meta = (Map<String, Object>) spans.get(i).get("meta");
      assertThat(meta).containsEntry("_dd.origin", expected);
      assertThat(meta).as("the map's header counts each key once").hasSize(countKeys(encoder, traces, i, "meta"));
      assertThat(json.get(i).get("meta").get("_dd.origin").toString()).isEqualTo("\"" + expected + "\"");
      assertThat(json.get(i).get("meta").toString().split("_dd.origin", -1)).hasSize(2);
    }
  }

  /** The spans where a service enters the trace carry {@code _dd.top_level = 1}, once, in both encoders. */
  @Test
  @SuppressWarnings("unchecked")
  void topLevelSpansAreMarkedForTheAgentInBothEncoders() throws Exception {
    recorded.chunks.clear();
    try (Span root = tracer.trace("servlet.request")) {
      tracer.trace("match").close();
      tracer.trace("beer.query", "db").setTag("_dd.top_level", 1).close(); // its own: not written twice
    }
    List<List<Span>> traces = new ArrayList<>(recorded.chunks);

    List<Map<String, Object>> spans = FakeAgent.decode(encoder.encode(traces)).get(0);
    tools.jackson.databind.JsonNode json = new tools.jackson.databind.ObjectMapper()
        .readTree(new JsonEncoder("test", null, "svc").encode(traces)).get(0);
    for (int i = 0; i < 3; i++) {
      String name = (String) spans.get(i).get("name");
      boolean topLevel = !name.equals("match");
      Map<String, Object> metrics = (Map<String, Object>) spans.get(i).get("metrics");
      assertThat(metrics.containsKey("_dd.top_level")).as(name).isEqualTo(topLevel);
      assertThat(metrics).as("the map's header counts each key once").hasSize(countKeys(encoder, traces, i, "metrics"));
      String jsonMetrics = json.get(i).get("metrics").toString();
      assertThat(jsonMetrics.split("\"_dd.top_level\":1", -1)).as(jsonMetrics).hasSize(topLevel ? 2 : 1);
    }
  }

  /** A number JSON cannot carry reads the same in both formats: as a string tag. */
  @Test
  @SuppressWarnings("unchecked")
  void notANumberReadsTheSameInBothEncoders() throws Exception {
    recorded.chunks.clear();
    tracer.trace("ratio").setTag("hit.ratio", 0.0 / 0).setTag("growth", Double.NEGATIVE_INFINITY)
        .setTag("share", 0.5).close();
    List<List<Span>> traces = new ArrayList<>(recorded.chunks);

    Map<String, Object> span = FakeAgent.decode(encoder.encode(traces)).get(0).get(0);
    tools.jackson.databind.JsonNode json = new tools.jackson.databind.ObjectMapper()
        .readTree(new JsonEncoder("test", null, "svc").encode(traces)).get(0).get(0);
    assertThat((Map<String, Object>) span.get("meta")).containsEntry("hit.ratio", "NaN")
        .containsEntry("growth", "-Infinity");
    assertThat((Map<String, Object>) span.get("metrics")).containsEntry("share", 0.5).doesNotContainKey("hit.ratio");
    assertThat(json.get("meta").get("hit.ratio").asString()).isEqualTo("NaN");
    assertThat(json.get("meta").get("growth").asString()).isEqualTo("-Infinity");
    assertThat(json.get("metrics").get("share").asDouble()).isEqualTo(0.5);
  }

  /** The size a span's meta or metrics map declares on the wire (a decoder into a map hides a key written twice). */
  private static int countKeys(MsgpackEncoder encoder, List<List<Span>> traces, int span, String map)
      throws Exception {
    org.msgpack.core.MessageUnpacker in = org.msgpack.core.MessagePack.newDefaultUnpacker(encoder.encode(traces));
    in.unpackArrayHeader();
    in.unpackArrayHeader();
    for (int s = 0; ; s++) {
      int fields = in.unpackMapHeader();
      for (int f = 0; f < fields; f++) {
        String key = in.unpackString();
        if (s == span && key.equals(map)) {
          return in.unpackMapHeader();
        }
        in.skipValue();
      }
    }
  }

  @Test
  void aSmallerBatchAfterABigOneHoldsNothingOfTheBigOne() throws Exception {
    List<List<Map<String, Object>>> big = FakeAgent.decode(encoder.encode(traces("GET /a", "GET /b", "GET /c")));
    List<List<Map<String, Object>>> small = FakeAgent.decode(encoder.encode(traces("GET /d")));

    assertThat(big).hasSize(3);
    assertThat(small).hasSize(1);
    assertThat(small.get(0).get(0)).containsEntry("resource", "GET /d").containsEntry("name", "servlet.request");
  }

  @Test
  @SuppressWarnings("unchecked")
  void cachedLongAndNonAsciiStringsDecodeAsTheyWere() throws Exception {
    String sql = "SELECT * FROM beers WHERE name = 'x'" + " ".repeat(MsgpackEncoder.MAX_CACHED_LENGTH);
    String[] resources = {"GET /bière", "GET /🍩", sql, "GET /bière"};
    for (int round = 0; round < 2; round++) { // the second round reads the cache
      List<List<Map<String, Object>>> decoded = FakeAgent.decode(encoder.encode(traces(resources)));
      for (int i = 0; i < resources.length; i++) {
        Map<String, Object> span = decoded.get(i).get(0);
        assertThat(span).containsEntry("resource", resources[i]);
        assertThat((Map<String, Object>) span.get("meta")).containsEntry("note", resources[i]).containsEntry("env", "test");
      }
    }
  }

  @Test
  void moreDistinctStringsThanTheCacheHoldsAreAllEncodedRight() throws Exception {
    String[] resources = new String[MsgpackEncoder.MAX_CACHED_STRINGS + 100];
    for (int i = 0; i < resources.length; i++) {
      resources[i] = "GET /orders/" + i;
    }
    List<List<Map<String, Object>>> decoded = FakeAgent.decode(encoder.encode(traces(resources)));

    assertThat(decoded).hasSize(resources.length);
    for (int i = 0; i < resources.length; i++) {
      assertThat(decoded.get(i).get(0)).containsEntry("resource", resources[i]);
    }
  }

  /** A body stops short of the cap: the trace that would pass it is left for the next body, and goes there. */
  @Test
  void aTraceThatWouldTakeTheBodyPastTheCapIsLeftForTheNextBodyInBothEncoders() throws Exception {
    String big = "\u00e9".repeat(1000); // 2,000 bytes in UTF-8: the cap counts bytes, not characters
    for (TraceEncoder e : List.of(encoder, new JsonEncoder("test", null, "svc"))) {
      List<List<Span>> traces = traces(big + 1, big + 2, big + 3, big + 4, big + 5);
      int cap = e.encode(traces.subList(0, 2)).length + 100; // two fit, not three
      assertThat(e.append(traces.get(0), cap)).isTrue();
      assertThat(e.append(traces.get(1), cap)).isTrue();
      assertThat(e.append(traces.get(2), cap)).as("the third would pass the cap").isFalse();
      assertThat(e.traces()).isEqualTo(2);
      byte[] first = e.body();
      assertThat(first.length).isLessThanOrEqualTo(cap);
      assertThat(e.append(traces.get(2), 10)).as("an empty body takes any trace: alone, it goes all the same").isTrue();
      assertThat(e.append(traces.get(3), 10)).isFalse();
      byte[] second = e.body();
      if (e == encoder) {
        assertThat(FakeAgent.decode(first)).extracting(t -> t.get(0).get("resource")).containsExactly(big + 1, big + 2);
        assertThat(FakeAgent.decode(second)).extracting(t -> t.get(0).get("resource")).containsExactly(big + 3);
      } else {
        assertThat(new String(first, java.nio.charset.StandardCharsets.UTF_8)).startsWith("[[{").endsWith("}]]")
            .contains(big + 1, big + 2).doesNotContain(big + 3);
        assertThat(new String(second, java.nio.charset.StandardCharsets.UTF_8)).contains(big + 3);
      }
    }
  }

  @Test
  void aBodyOfManyTracesHasTheRightArrayHeader() throws Exception {
    String[] resources = new String[70_000]; // past msgpack's array16: array32
    for (int i = 0; i < resources.length; i++) {
      resources[i] = "r" + (i % 100);
    }
    List<List<Span>> many = traces(resources);
    assertThat(FakeAgent.decode(encoder.encode(many.subList(0, 15)))).hasSize(15); // fixarray
    assertThat(FakeAgent.decode(encoder.encode(many.subList(0, 16)))).hasSize(16); // array16
    assertThat(FakeAgent.decode(encoder.encode(many))).hasSize(70_000);
  }
}
