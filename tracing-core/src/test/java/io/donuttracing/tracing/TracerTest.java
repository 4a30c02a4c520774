package io.donuttracing.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.tracing.context.CurrentSpan;
import io.donuttracing.tracing.context.Scope;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracerTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);

  @AfterEach
  void noSpanLeftActive() {
    assertThat(CurrentSpan.get()).isNull();
  }

  @Test
  void childInheritsTraceParentAndServiceAndClosingReactivatesTheParent() {
    try (Span root = tracer.trace("web.request")) {
      assertThat(tracer.activeSpan()).isSameAs(root);
      try (Span db = tracer.trace("beer.query", "db")) {
        assertThat(tracer.activeSpan()).isSameAs(db);
        try (Span inner = tracer.trace("row.map")) {
          assertThat(inner.service()).isEqualTo("db");
          assertThat(inner.parentId()).isEqualTo(db.spanId());
        }
        assertThat(tracer.activeSpan()).isSameAs(db);
      }
      try (Span match = tracer.trace("match")) {
        assertThat(match.service()).isEqualTo("svc");
        assertThat(match.parentId()).isEqualTo(root.spanId());
        assertThat(match.traceId()).isEqualTo(root.traceId());
      }
      assertThat(tracer.activeSpan()).isSameAs(root);
      assertThat(writer.chunks).isEmpty(); // nothing leaves before the last span finishes
    }
    assertThat(writer.chunks).hasSize(1);
    List<Span> chunk = writer.chunks.peek();
    assertThat(chunk).extracting(Span::name).containsExactlyInAnyOrder("web.request", "beer.query", "row.map", "match");
    Span root = writer.span("web.request");
    assertThat(root.parentId()).isZero();
    assertThat(root.service()).isEqualTo("svc");
    assertThat(chunk).extracting(Span::name).as("the local root first, then in the order they finished")
        .containsExactly("web.request", "row.map", "beer.query", "match");
  }

  @Test
  void aSpanIsTopLevelWhereItsServiceEntersTheTrace() {
    SpanContext caller = new SpanContext(0, 7, 8, SamplingPriority.AUTO_KEEP, null, null, null, null);
    try (Span served = tracer.trace("servlet.request", null, caller);
        Span query = tracer.trace("beer.query", "db");
        Span sql = tracer.trace("h2.query")) {
      Span renamed = tracer.startSpan("render", null);
      assertThat(served.isTopLevel()).as("the child of a remote span").isTrue();
      assertThat(query.isTopLevel()).as("a child of another service").isTrue();
      assertThat(sql.isTopLevel()).as("a child of the same service").isFalse();
      assertThat(renamed.setService("templates").isTopLevel()).as("once given a service of its own").isTrue();
      renamed.finish();
    }
    try (Span root = tracer.trace("job")) {
      assertThat(root.isTopLevel()).as("a root").isTrue();
    }
  }

  /**
   * A span's service may be set after its children started (the request's code names its service late). The
   * agent, given the whole trace, compares each span with its parent as sent: so must the tracer, which the agent
   * trusts with {@code Datadog-Client-Computed-Top-Level}, or a service loses its entry in the statistics.
   */
  @Test
  void aParentRenamedAfterItsChildrenStartedIsComparedAsItIsSent() {
    try (Span request = tracer.trace("request")) {
      Span render = tracer.startSpan("render", null); // svc, the parent's service then
      Span later = tracer.startSpan("later", null, request.context()); // the same, from the parent's context
      Span query = tracer.startSpan("beer.query", "pairing"); // another service then
      request.setService("pairing");
      render.finish();
      later.finish();
      query.finish();
    }
    List<Span> chunk = writer.chunks.peek();
    assertThat(chunk).hasSize(4);
    for (Span span : chunk) { // the agent's rule, on the whole chunk
      String parentService = chunk.stream().filter(p -> p.spanId() == span.parentId()).map(Span::service)
          .findFirst().orElse(null);
      boolean agents = parentService == null || !parentService.equals(span.service());
      assertThat(span.isTopLevel()).as(span.name() + " (" + span.service() + ")").isEqualTo(agents);
    }
    assertThat(writer.span("render").isTopLevel()).as("svc enters the trace under pairing").isTrue();
    assertThat(writer.span("beer.query").isTopLevel()).as("pairing under pairing").isFalse();
  }

  @Test
  void chunkRootCarriesPriorityTidAndDecisionMaker() {
    try (Span root = tracer.trace("root")) {
      tracer.trace("child").close();
    }
    Span first = writer.chunks.peek().get(0);
    Span root = writer.span("root");
    assertThat(first).as("the root leads its chunk, though it finished last").isSameAs(root);
    assertThat(first.metrics()).containsEntry("_sampling_priority_v1", SamplingPriority.AUTO_KEEP);
    assertThat(first.tags()).containsEntry("_dd.p.dm", "-0").containsKey("_dd.p.tid");
    assertThat(first.tag("_dd.p.tid")).isEqualTo(Ids.hex(root.traceIdHigh()));
    assertThat(root.traceIdHigh() >>> 32).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
    assertThat(root.metrics()).containsEntry("_dd.agent_psr", 1.0);
  }

  @Test
  void timesAreEpochNanosAndMonotonicDurations() {
    long before = System.currentTimeMillis() * 1_000_000L;
    Span span = tracer.trace("timed");
    Span child = tracer.trace("child");
    child.close();
    span.close();
    long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
    assertThat(span.startEpochNanos()).isBetween(before - 1_000_000L, after);
    assertThat(span.durationNanos()).isGreaterThanOrEqualTo(child.durationNanos()).isGreaterThanOrEqualTo(0);
    assertThat(child.startEpochNanos()).isGreaterThanOrEqualTo(span.startEpochNanos());
  }

  @Test
  void aTagKeyHoldsOneValueAndTagsKeepTheOrderTheyWereSetIn() {
    try (Span root = tracer.trace("root"); Span span = tracer.trace("tags")) { // a child: no sampler tags
      for (int i = 0; i < 10; i++) { // more than the first array holds
        span.setTag("k" + i, "v" + i);
      }
      span.setTag("k3", "again").setTag("k5", 5L).setTag("k7", (String) null).setTag("ratio", 0.5);

      assertThat(span.tag("k3")).isEqualTo("again");
      assertThat(span.tag("k5")).isNull(); // now a numeric tag
      assertThat(span.metric("k5")).isEqualTo(5L);
      assertThat(span.tags().keySet()).containsExactly("k0", "k1", "k2", "k3", "k4", "k6", "k8", "k9");
      assertThat(span.metrics()).containsExactly(Map.entry("k5", 5L), Map.entry("ratio", 0.5));
      assertThat(span.tagCount()).isEqualTo(10);
      assertThatThrownBy(() -> span.tags().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void aTagWithoutAKeyIsIgnoredRatherThanThrownIntoTheApplication() {
    try (Span span = tracer.trace("keyless")) {
      span.setTag(null, "x").setTag(null, 1L).setTag(null, 0.5).setTag(null, true).setTag(null, (String) null);
      assertThat(span.tag(null)).isNull();
      assertThat(span.metric(null)).isNull();
      span.setTag("kept", "y");
      assertThat(span.tags()).containsOnlyKeys("kept");
    }
    assertThat(writer.chunks).hasSize(1);
  }

  /** A context from the application's own propagator whose trace_id would be 0, which the agent drops: a new trace. */
  @Test
  void aRemoteParentWhoseLow64BitsAreZeroStartsANewTrace() {
    Span span = tracer.startSpan("zero", null, SpanContext.of(0x1234L, 0, 77, SamplingPriority.USER_KEEP));
    span.finish();
    assertThat(span.traceId()).isNotZero();
    assertThat(span.parentId()).isZero();
    Span child = tracer.startSpan("child", null, SpanContext.of(0, 5, 77, SamplingPriority.AUTO_KEEP));
    child.finish();
    assertThat(child.traceId()).isEqualTo(5);
    assertThat(child.parentId()).isEqualTo(77);
  }

  @Test
  void finishingTwiceIsHarmlessAndLateTagsAreIgnored() {
    Span span = tracer.trace("once");
    span.close();
    long duration = span.durationNanos();
    span.finish();
    span.close();
    span.setTag("late", "x").setResource("late");
    assertThat(writer.chunks).hasSize(1);
    assertThat(writer.chunks.peek()).hasSize(1);
    assertThat(span.durationNanos()).isEqualTo(duration);
    assertThat(span.tag("late")).isNull();
    assertThat(span.resource()).isEqualTo("once");
  }

  @Test
  void lambdaFormRecordsTheEscapingExceptionAndRethrowsIt() {
    assertThatThrownBy(() -> tracer.trace("fails", () -> {
      throw new IOException("disk on fire");
    })).isInstanceOf(IOException.class).hasMessage("disk on fire");
    Span span = writer.span("fails");
    assertThat(span.isError()).isTrue();
    assertThat(span.error()).isEqualTo(1);
    assertThat(span.tags()).containsEntry("error.type", "java.io.IOException").containsEntry("error.msg", "disk on fire");
    assertThat(span.tag("error.stack")).startsWith("java.io.IOException: disk on fire").contains("TracerTest");
  }

  @Test
  void anExceptionWhoseMessageThrowsIsStillTheOneTheCallerGets() {
    RuntimeException odd = new RuntimeException() {
      @Override
      public String getMessage() {
        throw new IllegalStateException("getMessage failed");
      }
    };
    assertThatThrownBy(() -> tracer.trace("fails.oddly", () -> {
      throw odd;
    })).isSameAs(odd);
    assertThat(writer.span("fails.oddly").isError()).isTrue();
  }

  @Test
  void lambdaFormReturnsTheValueAndRunFormReturnsNothing() {
    int answer = tracer.trace("compute", () -> 6 * 7);
    int[] ran = {0};
    tracer.run("side.effect", "worker", () -> ran[0]++);
    assertThat(answer).isEqualTo(42);
    assertThat(ran[0]).isEqualTo(1);
    assertThat(writer.span("compute").isError()).isFalse();
    assertThat(writer.span("side.effect").service()).isEqualTo("worker");
  }

  @Test
  void outOfOrderCloseRestoresTheContextBelowAndLaterClosesAreNoOps() {
    Span a = tracer.trace("a");
    Span b = tracer.trace("b");
    Span c = tracer.trace("c");
    b.close(); // c is still open above b: closing b pops c's scope too
    assertThat(tracer.activeSpan()).isSameAs(a);
    c.close(); // finishes c, leaves the context alone
    assertThat(tracer.activeSpan()).isSameAs(a);
    a.close();
    assertThat(writer.spans()).extracting(Span::name).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void explicitParentsAndUnactivatedSpans() {
    SpanContext remote = SpanContext.of(7, 42, 99, SamplingPriority.USER_KEEP);
    try (Span server = tracer.trace("servlet.request", null, remote)) {
      assertThat(server.traceId()).isEqualTo(42);
      assertThat(server.traceIdHigh()).isEqualTo(7);
      assertThat(server.parentId()).isEqualTo(99);
      Span async = tracer.startSpan("async.work", "worker", server.context());
      assertThat(tracer.activeSpan()).isSameAs(server);
      assertThat(async.parentId()).isEqualTo(server.spanId());
      assertThat(async.traceId()).isEqualTo(42);
      async.finish();
      Span leaf = tracer.startSpan("h2.query", "db"); // a child of the active span, left inactive
      assertThat(tracer.activeSpan()).isSameAs(server);
      assertThat(leaf.parentId()).isEqualTo(server.spanId());
      assertThat(leaf.traceId()).isEqualTo(42);
      assertThat(leaf.service()).isEqualTo("db");
      leaf.finish();
    }
    assertThat(writer.chunks).hasSize(1);
    assertThat(writer.chunks.peek()).extracting(Span::name).contains("h2.query");
    Span first = writer.chunks.peek().get(0);
    assertThat(first.metrics()).containsEntry("_sampling_priority_v1", SamplingPriority.USER_KEEP);
    Span fresh = tracer.trace("fresh", null, (SpanContext) null);
    assertThat(fresh.parentId()).isZero();
    fresh.close();
  }

  @Test
  void extractedPropagationErrorsAndTagsLandOnTheFirstLocalSpan() {
    Map<String, String> headers = new HashMap<>();
    headers.put("X-Datadog-Trace-Id", "123");
    headers.put("x-datadog-parent-id", "456");
    headers.put("x-datadog-tags", "_dd.p.tid=zz");
    try (Span span = tracer.trace("servlet.request", null, tracer.extract(headers))) {
      assertThat(span.traceId()).isEqualTo(123);
      assertThat(span.tag("_dd.propagation_error")).isEqualTo("malformed_tid zz");
      Map<String, String> out = new HashMap<>();
      tracer.inject(span, out);
      assertThat(out).containsEntry("x-datadog-trace-id", "123").containsEntry("x-datadog-sampling-priority", "1");
      assertThat(out.get("traceparent")).startsWith("00-0000000000000000000000000000007b-");
    }
  }

  @Test
  void longTracesLeaveInParts() {
    Tracer small = Tracer.create(TracerConfig.builder().service("svc").logsInjection(false).partialFlushMinSpans(10).build(), writer);
    try (Span root = small.trace("root")) {
      for (int i = 0; i < 25; i++) {
        small.trace("step").close();
      }
      assertThat(writer.chunks).hasSize(2);
      assertThat(writer.chunks).allSatisfy(chunk -> assertThat(chunk).hasSize(10));
      assertThat(writer.chunks).allSatisfy(chunk ->
          assertThat(chunk.get(0).metrics()).containsKey("_sampling_priority_v1"));
    }
    assertThat(writer.chunks).hasSize(3);
    assertThat(writer.spans()).hasSize(26);
    assertThat(writer.spans()).filteredOn(Span::isTopLevel).as("the steps sent before their root are not")
        .extracting(Span::name).containsExactly("root");
  }

  @Test
  void aChildThatNeverFinishesDoesNotHoldItsTraceBackNorLeak() {
    Tracer t = Tracer.create(TracerConfig.builder().service("svc").logsInjection(false)
        .pendingTimeout(Duration.ofMillis(1)).build(), writer);
    Span root = t.trace("root");
    Span forgotten = t.startSpan("forgotten", null, root.context());
    root.close();
    assertThat(writer.chunks).isEmpty();
    // The next trace started after the timeout sends what finished of the old one.
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
      t.trace("next").close();
      return writer.spans().stream().anyMatch(s -> s.name().equals("root"));
    });
    assertThat(writer.spans()).extracting(Span::name).doesNotContain("forgotten");

    WeakReference<Span> ref = new WeakReference<>(forgotten);
    forgotten = null;
    root = null;
    writer.chunks.clear();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return ref.get() == null;
    });
  }

  @Test
  void flushSendsFinishedSpansOfTracesWaitingForLateChildren() {
    Span root = tracer.trace("root");
    Span late = tracer.startSpan("late", null, root.context());
    root.close();
    tracer.flush(Duration.ofSeconds(1));
    assertThat(writer.spans()).extracting(Span::name).containsExactly("root");
    late.finish();
    assertThat(writer.spans()).extracting(Span::name).containsExactly("root", "late");
  }

  /**
   * A child that finishes after its trace's finished spans left without it (the pending timeout), while a sibling is
   * still open, must leave too: it waits for its sibling as the first ones did, then goes, on flush() at the latest.
   */
  @Test
  void aChildFinishedAfterTheStragglersLeftIsSentThoughASiblingStaysOpen() {
    Span root = tracer.trace("root");
    Span slow = tracer.startSpan("slow", null, root.context());
    Span forgotten = tracer.startSpan("forgotten", null, root.context());
    root.close();
    tracer.flush(Duration.ofSeconds(1));
    assertThat(writer.spans()).extracting(Span::name).containsExactly("root");
    slow.finish();
    tracer.flush(Duration.ofSeconds(1));
    assertThat(writer.spans()).extracting(Span::name).containsExactly("root", "slow");
    assertThat(forgotten.isFinished()).isFalse();
  }

  @Test
  void userPriorityOverridesTheSampler() {
    try (Span span = tracer.trace("keep.me")) {
      span.setSamplingPriority(SamplingPriority.USER_KEEP);
      assertThat(span.context().propagatedTags()).containsEntry("_dd.p.dm", "-4");
    }
    assertThat(writer.span("keep.me").metrics()).containsEntry("_sampling_priority_v1", SamplingPriority.USER_KEEP);
  }

  @Test
  void describeUsesTheStepSevenLayout() {
    try (Span span = tracer.trace("beer.query", "db")) {
      span.setResource("SELECT 1").setType("sql").setTag("rows", "1");
    }
    String text = writer.span("beer.query").describe();
    assertThat(text.lines().map(l -> l.split(" ")[0]).toList()).startsWith(
        "name", "id", "trace_id", "parent_id", "service", "resource", "type", "start", "end", "duration", "error", "tags");
    assertThat(text).contains("service db", "resource SELECT 1", "parent_id None", "    rows: 1");
  }

  @Test
  void disabledTracingStillTracesInProcessButSendsNothing() {
    try (FakeAgent agent = FakeAgent.start()) {
      Tracer off = Tracer.create(TracerConfig.builder().enabled(false).agentUrl(agent.url()).logsInjection(false).build());
      try (Span span = off.trace("local")) {
        assertThat(off.activeSpan()).isSameAs(span);
      }
      off.flush(Duration.ofSeconds(5)); // an enabled tracer sends the finished trace here
      off.close();
      assertThat(agent.requests).isEmpty();
      assertThat(agent.infoRequests).hasValue(0);
    }
  }

  /**
   * Only unset and {@code true} are on, as the Spring conditions on the same property read it (they leave the filter
   * and the wrappers out otherwise): {@code 1} was on here and off there, a tracer without its integrations.
   */
  @Test
  void tracingIsOnWhenUnsetOrTrueAndOffForAnythingElse() {
    assertThat(TracerConfig.from(name -> null).enabled()).isTrue();
    for (String on : List.of("true", "TRUE", "True")) {
      assertThat(TracerConfig.from(Map.of("dd.trace.enabled", on)::get).enabled()).as(on).isTrue();
    }
    for (String off : List.of("false", "FALSE", "0", "1", "yes", "on", "", " true")) {
      assertThat(TracerConfig.from(Map.of("dd.trace.enabled", off)::get).enabled()).as("'%s'", off).isFalse();
    }
  }

  @Test
  void settingsThatWouldBreakTheWriterAreReplacedAndTheTracerStillWorks() {
    Map<String, String> settings = Map.of("dd.trace.agent.url", "unix:///var/run/datadog/apm.socket",
        "dd.trace.agent.timeout", "0", "dd.trace.flush.interval", "-1", "dd.trace.pending.timeout", "-5");
    TracerConfig config = TracerConfig.from(settings::get);
    assertThat(config.agentUrl()).isEqualTo("http://localhost:8126");
    assertThat(config.agentTimeout()).isEqualTo(Duration.ofSeconds(10)); // the defaults
    assertThat(config.flushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.pendingTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(TracerConfig.builder().flushInterval(Duration.ofNanos(1)).build().flushInterval())
        .as("a sender that would never sleep").isEqualTo(Duration.ofMillis(10));
    // 1e11 s overflowed a long of nanoseconds: Tracer.create threw, or the sender thread died
    TracerConfig huge = TracerConfig.from(Map.of("dd.trace.pending.timeout", "1e11", "dd.trace.flush.interval", "1e11",
        "dd.trace.agent.timeout", "Infinity", "dd.trace.sample.rate", "NaN")::get);
    assertThat(List.of(huge.pendingTimeout(), huge.flushInterval(), huge.agentTimeout())).containsOnly(Duration.ofDays(1));
    assertThat(huge.sampleRate()).as("not a number: no rate").isNull();
    Tracer.create(huge.toBuilder().enabled(false).build()).close();
    assertThat(TracerConfig.builder().agentUrl("agent:8126").build().agentUrl()).as("no scheme: the default")
        .isEqualTo("http://localhost:8126");
    assertThat(TracerConfig.builder().agentUrl("https://agent.example:8126/").build().agentUrl())
        .isEqualTo("https://agent.example:8126");

    try (FakeAgent agent = FakeAgent.start();
        Tracer t = Tracer.create(config.toBuilder().agentUrl(agent.url()).logsInjection(false).build())) {
      t.trace("still.traced").close(); // Tracer.create threw before, on the zero timeout
      assertThat(t.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(agent.traceCount()).isEqualTo(1);
    }
  }

  @Test
  void aQueueSizeTooLargeToAllocateIsCappedAndTheTracerStillStarts() {
    TracerConfig config = TracerConfig.from(Map.of("dd.trace.writer.queue.size", "2000000000")::get);
    assertThat(config.queueSize()).isEqualTo(TracerConfig.MAX_QUEUE_SIZE);
    try (FakeAgent agent = FakeAgent.start();
        Tracer t = Tracer.create(config.toBuilder().agentUrl(agent.url()).logsInjection(false).build())) {
      t.trace("still.traced").close(); // Tracer.create threw OutOfMemoryError before: a queue of 2e9 slots
      assertThat(t.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(agent.traceCount()).isEqualTo(1);
    }
  }

  @Test
  void activateCarriesASpanAcrossAScope() {
    Span span = tracer.startSpan("background", null, null);
    try (Scope scope = tracer.activate(span)) {
      assertThat(tracer.activeSpan()).isSameAs(span);
      assertThat(scope.span()).isSameAs(span);
    }
    span.finish();
    assertThat(tracer.activeSpan()).isNull();
  }
}
