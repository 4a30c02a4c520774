package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The agent's trace filters, read from its {@code /info} and applied to the root of a chunk. */
class TraceFilterTest {

  /** Whether {@code filter} filters a chunk out, as a function for AssertJ's {@code extracting}. */
  private static Function<List<Span>, Boolean> filtering(TraceFilter filter) {
    return chunk -> filter.decide(chunk) == TraceFilter.Verdict.FILTERED;
  }

  /** The filter of a tracer with no env, version or service of its own. */
  private static TraceFilter filter(String info) {
    return TraceFilter.fromInfo(Json.objectIn(info), null, null, null);
  }

  @Test
  void theListsAreReadFromInfoWithJsonEscapesAndOnlyWhereTheAgentWritesThem() {
    List<List<Span>> chunks = chunks(); // roots: GET /ping, GET /ping, GET /beers
    assertThat(chunks).extracting(filtering(filter("{\"version\":\"7.73.0\",\"ignore_resources\" : [ \"\\u005eGET \\/ping$\" ]}")))
        .containsExactly(true, true, false, true, true, false);
    // the same text elsewhere is not the list: a value, or a key inside another object
    assertThat(filter("{\"endpoints\":[\"ignore_resources\", \"^GET /ping$\"]}")).isSameAs(TraceFilter.NONE);
    assertThat(filter("{\"config\":{\"ignore_resources\":[\"^GET /ping$\"]}}")).isSameAs(TraceFilter.NONE);
    // not an array of strings, or not JSON: nothing rather than a guess
    assertThat(filter("{\"ignore_resources\":\"^GET /ping$\"}")).isSameAs(TraceFilter.NONE);
    assertThat(filter("{\"ignore_resources\":[\"^GET /ping$\",1]}")).isSameAs(TraceFilter.NONE);
    assertThat(filter("{\"ignore_resources\":[\"^GET /ping$\"]")).isSameAs(TraceFilter.NONE);
    assertThat(filter("{\"filter_tags\":{\"reject\":\"http.route:/ping\"}}")).isSameAs(TraceFilter.NONE);
  }

  @Test
  void theRootOfTheChunkDecidesEvenWhenItsParentIsInAnotherProcess() {
    List<List<Span>> chunks = chunks();
    TraceFilter ignoring = filter("{\"ignore_resources\":[\"^GET /ping$\",\"(unclosed\"]}");
    assertThat(chunks).extracting(filtering(ignoring)).containsExactly(true, true, false, true, true, false);
    assertThat(filtering(TraceFilter.NONE).apply(chunks.get(0))).isFalse();
    assertThat(filter("{\"version\":\"7.65.0\",\"filter_tags\":{},\"filter_tags_regex\":{}}"))
        .isSameAs(TraceFilter.NONE);
  }

  @Test
  void tagRulesRejectARootWithTheTagOrRequireIt() {
    List<List<Span>> chunks = chunks(); // roots tagged route /ping, /ping, /beers; children route /other
    TraceFilter reject = filter("{\"filter_tags\":{\"reject\":[\"http.route:/ping\"]}}");
    assertThat(chunks).extracting(filtering(reject)).containsExactly(true, true, false, true, true, false);
    TraceFilter anyValue = filter("{\"filter_tags\":{\"reject\":[\"caller\"]}}");
    assertThat(chunks).extracting(filtering(anyValue)).containsExactly(false, true, false, false, true, false);
    TraceFilter require = filter("{\"filter_tags\":{\"require\":[\"http.route:/beers\"]}}");
    assertThat(chunks).extracting(filtering(require)).containsExactly(true, true, false, true, true, false);

    // filter_tags_regex: the value is an expression, found anywhere in the tag's value; one Java cannot compile is left out
    TraceFilter regex = filter(
        "{\"filter_tags_regex\":{\"reject\":[\"http.route:^/p\",\"http.route:(\"],\"require\":[\"http.route:s$|g$\"]}}");
    assertThat(chunks).extracting(filtering(regex)).containsExactly(true, true, false, true, true, false);
    TraceFilter requireBoth = filter("{\"filter_tags\":{\"require\":[\"http.route\"]},"
        + "\"filter_tags_regex\":{\"require\":[\"caller:^yes$\"]}}");
    assertThat(chunks).extracting(filtering(requireBoth)).containsExactly(true, false, true, true, false, true);
  }

  @Test
  void envAndVersionAreSeenAsTheAgentSeesThemThoughTheEncodersAddThem() {
    List<List<Span>> chunks = chunks(); // services "unnamed-java-service" (RecordingWriter's tracer)
    String service = chunks.get(0).get(0).service();
    Map<String, Object> info = Json.objectIn("{\"filter_tags\":{\"require\":[\"env:prod\"],\"reject\":[\"version:1.2-beta\"]}}");
    assertThat(chunks).extracting(filtering(TraceFilter.fromInfo(info, "prod", "1.2", service)))
        .containsOnly(false); // env prod is required and added to every span
    assertThat(chunks).extracting(filtering(TraceFilter.fromInfo(info, "staging", "1.2", service))).containsOnly(true);
    assertThat(chunks).extracting(filtering(TraceFilter.fromInfo(info, null, null, null))).containsOnly(true);
    assertThat(chunks).extracting(filtering(TraceFilter.fromInfo(info, "prod", "1.2-beta", service))).containsOnly(true);
    assertThat(chunks).as("version goes only on the tracer's own service's spans")
        .extracting(filtering(TraceFilter.fromInfo(info, "prod", "1.2-beta", "another-service"))).containsOnly(false);
  }

  @Test
  void anExpressionThatBacktracksForMinutesStopsAtItsBudgetAndTheAgentDecides() {
    RecordingWriter recorded = new RecordingWriter();
    Tracer tracer = RecordingWriter.tracer(recorded);
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /beers").setTag("http.url", "http://127.0.0.1:5000/" + "a".repeat(40) + "!");
    }
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /ping").setTag("http.url", "http://127.0.0.1:5000/ping?" + "x".repeat(10_000));
    }
    // Go's engine takes linear time on this rule; without the budget, Java's took minutes for 40 characters
    TraceFilter costly = filter("{\"filter_tags_regex\":{\"reject\":[\"http.url:^(.*a){15}$\"]}}");
    List<List<Span>> chunks = new ArrayList<>(recorded.chunks);
    List<Span> chunk = chunks.get(0);
    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> costly.decide(chunk)))
        .isEqualTo(TraceFilter.Verdict.UNDECIDED);
    // an ordinary rule on a long value is well inside the budget
    TraceFilter ping = filter("{\"filter_tags_regex\":{\"reject\":[\"http.url:/ping\\\\?\"]},"
        + "\"ignore_resources\":[\"^GET /nothing$\"]}");
    assertThat(filtering(ping).apply(chunks.get(1))).isTrue();
    assertThat(filtering(ping).apply(chunk)).isFalse();
  }

  /**
   * Three traces, each a root and a child: {@code GET /ping}; {@code GET /ping} continued from a caller (tag
   * {@code caller}); {@code GET /beers} whose child has the resource {@code GET /ping}. Then the same chunks with
   * their spans in the other order.
   */
  private static List<List<Span>> chunks() {
    RecordingWriter recorded = new RecordingWriter();
    Tracer tracer = RecordingWriter.tracer(recorded);
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /ping").setTag("http.route", "/ping");
      tracer.startSpan("redis.command", "redis").setResource("GET /pair/beer").setTag("http.route", "/other").finish();
    }
    SpanContext caller = SpanContext.of(0, 42, 7, SamplingPriority.AUTO_KEEP);
    try (Span server = tracer.trace("servlet.request", null, caller)) {
      server.setResource("GET /ping").setTag("http.route", "/ping").setTag("caller", "yes");
      tracer.startSpan("h2.query", "db").setResource("SELECT 1").setTag("http.route", "/other").finish();
    }
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /beers").setTag("http.route", "/beers");
      tracer.startSpan("h2.query", "db").setResource("GET /ping").setTag("http.route", "/other").finish();
    }
    List<List<Span>> chunks = new ArrayList<>(recorded.chunks);
    for (List<Span> chunk : List.copyOf(chunks)) {
      chunks.add(List.of(chunk.get(1), chunk.get(0)));
    }
    return chunks;
  }
}
