package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent's {@code ignore_resources}, read from its {@code /info} and applied to the root of a chunk. */
class IgnoredResourcesTest {

  @Test
  void theExpressionsAreReadFromInfoWithJsonEscapes() {
    String info = "{\"version\":\"7.73.0\",\"ignore_resources\" : [ \"^GET /ping$\", \"a\\\\d+ \\\"q\\\" \\u0041\\/\" ],"
        + "\"config\":{}}";
    assertThat(IgnoredResources.listed(info)).containsExactly("^GET /ping$", "a\\d+ \"q\" A/");
    assertThat(IgnoredResources.listed("{\"endpoints\":[\"ignore_resources\"], \"ignore_resources\": [\"x\"]}"))
        .as("the key, not the same text as a value").containsExactly("x");
    assertThat(IgnoredResources.listed("{\"ignore_resources\":[]}")).isEmpty();
    assertThat(IgnoredResources.listed("{\"version\":\"7.65.0\"}")).isEmpty();
    // not an array of strings, or cut short: nothing rather than a guess
    assertThat(IgnoredResources.listed("{\"ignore_resources\":\"GET /ping\"}")).isEmpty();
    assertThat(IgnoredResources.listed("{\"ignore_resources\":[\"GET /ping\",1]}")).isEmpty();
    assertThat(IgnoredResources.listed("{\"ignore_resources\":[\"GET /pi")).isEmpty();
    assertThat(IgnoredResources.listed("{\"ignore_resources\":[\"\\u00")).isEmpty();
  }

  @Test
  void theRootOfTheChunkDecidesEvenWhenItsParentIsInAnotherProcess() {
    RecordingWriter recorded = new RecordingWriter();
    Tracer tracer = RecordingWriter.tracer(recorded);
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /ping");
      tracer.startSpan("redis.command", "redis").setResource("GET /pair/beer").finish(); // a child: does not count
    }
    SpanContext caller = SpanContext.of(0, 42, 7, SamplingPriority.AUTO_KEEP);
    try (Span server = tracer.trace("servlet.request", null, caller)) {
      server.setResource("GET /ping");
      tracer.startSpan("h2.query", "db").setResource("SELECT 1").finish();
    }
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /beers");
      tracer.startSpan("h2.query", "db").setResource("GET /ping").finish();
    }
    List<List<Span>> chunks = new ArrayList<>(recorded.chunks);
    for (List<Span> chunk : List.copyOf(chunks)) { // the same chunks with their spans in the other order
      chunks.add(List.of(chunk.get(1), chunk.get(0)));
    }

    IgnoredResources ignored = IgnoredResources.fromInfo("{\"ignore_resources\":[\"^GET /ping$\",\"(unclosed\"]}");
    assertThat(chunks).extracting(ignored::ignores).containsExactly(true, true, false, true, true, false);
    assertThat(IgnoredResources.NONE.ignores(chunks.get(0))).isFalse();
    assertThat(IgnoredResources.fromInfo("{\"version\":\"7.65.0\"}")).isSameAs(IgnoredResources.NONE);
  }
}
