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
}
