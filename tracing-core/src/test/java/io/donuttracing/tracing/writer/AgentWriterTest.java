package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The writer against a real HTTP server on loopback that decodes what it receives. */
class AgentWriterTest {
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  Tracer tracer(TracerConfig.Builder config) {
    Tracer tracer = Tracer.create(config.logsInjection(false).build());
    toClose.add(tracer);
    return tracer;
  }

  FakeAgent agent() {
    FakeAgent agent = FakeAgent.start();
    toClose.add(agent);
    return agent;
  }

  @Test
  void sendsMsgpackV04WithTheAgentsHeadersAndEveryField() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().service("matchmaker").env("test").version("1.2").agentUrl(agent.url()));
    Span root;
    Span child;
    try (Span r = tracer.trace("servlet.request")) {
      root = r;
      r.setResource("GET /pair/beer").setType("web").setTag("http.status_code", "200");
      try (Span c = tracer.trace("h2.query", "db")) {
        child = c;
        c.setResource("SELECT 1").setType("sql").setTag("rows", 3L);
      }
    }
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    assertThat(agent.requests).hasSize(1);
    FakeAgent.Request request = agent.requests.get(0);
    assertThat(request.method).isEqualTo("PUT");
    assertThat(request.path).isEqualTo("/v0.4/traces");
    assertThat(request.header("Content-Type")).isEqualTo("application/msgpack");
    assertThat(request.header("X-Datadog-Trace-Count")).isEqualTo("1");
    assertThat(request.header("Datadog-Send-Real-Http-Status")).isEqualTo("true"); // a refused batch is not a 200
    assertThat(request.header("Datadog-Client-Computed-Top-Level")).isEqualTo("true"); // the spans say _dd.top_level
    assertThat(request.header("Datadog-Meta-Lang")).isEqualTo("java");
    assertThat(request.header("Datadog-Meta-Lang-Version")).isEqualTo(System.getProperty("java.version"));
    assertThat(request.header("Datadog-Meta-Tracer-Version")).isEqualTo(Tracer.VERSION);
    assertThat(request.traces).hasSize(1);
    List<Map<String, Object>> spans = request.traces.get(0);
    assertThat(spans).hasSize(2);

    Map<String, Object> web = spans.get(0); // the local root leads its chunk and carries the trace-level tags
    assertThat(web).containsEntry("service", "matchmaker").containsEntry("parent_id", 0L).containsEntry("type", "web");
    assertThat((Map<String, Object>) web.get("meta")).containsEntry("env", "test").containsEntry("version", "1.2")
        .containsEntry("http.status_code", "200")
        .containsEntry("_dd.p.tid", Ids.hex(root.traceIdHigh())).containsEntry("_dd.p.dm", "-0");
    assertThat((Map<String, Object>) web.get("metrics")).containsEntry("_dd.agent_psr", 1.0)
        .containsEntry("_sampling_priority_v1", 1L);

    Map<String, Object> db = spans.get(1);
    assertThat(db).containsEntry("service", "db").containsEntry("name", "h2.query").containsEntry("resource", "SELECT 1")
        .containsEntry("type", "sql").containsEntry("error", 0L)
        .containsEntry("trace_id", root.traceId()).containsEntry("span_id", child.spanId())
        .containsEntry("parent_id", root.spanId()).containsEntry("start", child.startEpochNanos())
        .containsEntry("duration", child.durationNanos());
    assertThat((Map<String, Object>) db.get("meta")).containsEntry("env", "test").doesNotContainKey("version")
        .doesNotContainKey("_dd.p.dm");
    assertThat((Map<String, Object>) db.get("metrics")).containsEntry("rows", 3L).doesNotContainKey("_sampling_priority_v1");

    WriterCounters counters = tracer.writer().counters();
    assertThat(counters.tracesSent()).isEqualTo(1);
    assertThat(counters.spansSent()).isEqualTo(2);
    assertThat(counters.requestsSent()).isEqualTo(1);
  }

  @Test
  void unsignedIdsSurviveTheWireAndSpansWithoutTypeSendNil() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()));
    // Ids use all 64 bits: continue a trace whose ids have the top bit set, and check them on the wire.
    SpanContext caller = tracer.extract(Map.of("x-datadog-trace-id", "18446744073709551615",
        "x-datadog-parent-id", "9223372036854775809"));
    Span span = tracer.trace("plain", null, caller);
    span.close();
    tracer.flush(Duration.ofSeconds(10));

    assertThat(agent.spans()).hasSize(1);
    Map<String, Object> sent = agent.spans().get(0);
    assertThat(sent.get("trace_id")).isEqualTo(-1L); // 2^64 - 1, as Java's unsigned long holds it
    assertThat(sent.get("parent_id")).isEqualTo(Long.MIN_VALUE + 1); // 2^63 + 1
    assertThat(sent.get("span_id")).isEqualTo(span.spanId());
    assertThat(sent).containsEntry("type", null).containsEntry("resource", "plain");
  }

  @Test
  void batchesManyTracesPerRequestAndCountsThemInTheHeader() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).flushInterval(Duration.ofSeconds(30)));
    for (int i = 0; i < 300; i++) {
      try (Span s = tracer.trace("t" + i)) {
        tracer.trace("child").close();
      }
    }
    tracer.flush(Duration.ofSeconds(10));
    assertThat(agent.traceCount()).isEqualTo(300);
    assertThat(agent.requests.size()).isLessThanOrEqualTo(3); // one flush drains the queue into one request
    for (FakeAgent.Request r : agent.requests) {
      assertThat(r.header("X-Datadog-Trace-Count")).isEqualTo(Integer.toString(r.traces.size()));
    }
  }

  /**
   * Batches were capped by span count only: 1,500 failing requests in one interval, each with an 18 KB stack trace,
   * made one body over the agent's 25 MiB, which it refuses (413): every trace of that second was lost. Now a
   * body holds at most {@link AgentWriter.MAX_BATCH_BYTES}, as dd-trace-java's v0.4 payloads, in as many requests
   * as needed, each counted.
   */
  @Test
  void anErrorStormGoesInRequestsOfAtMost5MiBRatherThanOneTheAgentRefuses() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).queueSize(4096)
        .flushInterval(Duration.ofSeconds(60)));
    String stack = ("java.sql.SQLException: boom\n" + "\tat com.example.Foo.bar(Foo.java:42)\n".repeat(500))
        .substring(0, 18_000);
    for (int i = 0; i < 1500; i++) {
      try (Span s = tracer.trace("servlet.request")) {
        s.setError(true);
        s.setTag("error.stack", stack);
      }
    }
    assertThat(tracer.flush(Duration.ofSeconds(30))).isTrue();

    assertThat(agent.traceCount()).isEqualTo(1500);
    assertThat(agent.requests.size()).isGreaterThan(5); // 27 MB in bodies of 5 MiB at most
    for (FakeAgent.Request r : agent.requests) {
      assertThat(r.body.length).isLessThanOrEqualTo(AgentWriter.MAX_BATCH_BYTES);
      assertThat(r.header("X-Datadog-Trace-Count")).isEqualTo(Integer.toString(r.traces.size()));
    }
    WriterCounters c = tracer.writer().counters();
    assertThat(c.tracesSent()).isEqualTo(1500);
    assertThat(c.spansSent()).isEqualTo(1500);
    assertThat(c.requestsSent()).isEqualTo(agent.requests.size());
    assertThat(c.requestsFailed()).isZero();
    assertThat(c.tracesDroppedSendFailed()).isZero();
  }

  @Test
  void sendsAtLeastOnceASecondWithoutBeingAsked() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()));
    tracer.trace("lonely").close();
    await().atMost(Duration.ofSeconds(5)).until(() -> agent.traceCount() == 1);
  }

  @Test
  void atLowTrafficEachTraceIsSentAtOnceUpToTheBudgetOfTheInterval() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).flushInterval(Duration.ofSeconds(30)));

    for (int i = 1; i <= AgentWriter.PROMPT_SENDS; i++) {
      tracer.trace("one at a time").close();
      int sent = i;
      await().atMost(Duration.ofSeconds(5)).until(() -> agent.traceCount() == sent); // not 30 s later
    }
    tracer.trace("one too many").close(); // the interval's prompt sends are used up: it waits for the tick
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
        .until(() -> agent.traceCount() == AgentWriter.PROMPT_SENDS);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.traceCount()).isEqualTo(AgentWriter.PROMPT_SENDS + 1);
  }

  /**
   * A tracer with a queue of {@code queueSize} traces, a tick a minute away, and the interval's prompt sends used
   * up: from now on only a half-full queue wakes the sender before the tick.
   */
  private Tracer promptSendsUsedUp(FakeAgent agent, int queueSize) {
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).queueSize(queueSize)
        .flushInterval(Duration.ofSeconds(60)));
    for (int i = 1; i <= AgentWriter.PROMPT_SENDS; i++) {
      tracer.trace("prompt").close();
      int sent = i;
      await().atMost(Duration.ofSeconds(5)).until(() -> agent.traceCount() == sent);
    }
    return tracer;
  }

  /**
   * A queue half full wakes the sender to take its traces into the batch, so that a burst bigger than the queue is
   * not dropped before the tick; the batch itself still waits for the tick (or for 5,000 spans or 5 MiB), as
   * dd-trace-java's does, rather than go out as one small request per half queue.
   */
  @Test
  void aHalfFullQueueIsTakenIntoTheBatchAtOnceButTheBatchWaitsForTheTick() {
    FakeAgent agent = agent();
    Tracer tracer = promptSendsUsedUp(agent, 100);
    // 200 traces through a queue of 100, in bursts that fill it half: each is taken into the batch at once (not
    // 60 s later), which leaves room for the next one whatever the sender thread's speed
    for (int burst = 0; burst < 4; burst++) {
      for (int i = 0; i < 50; i++) {
        tracer.trace("burst").close();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> tracer.writer().counters().queued() < 50);
    }
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
        .until(() -> agent.requests.size() == AgentWriter.PROMPT_SENDS);
    assertThat(tracer.writer().counters().tracesDroppedQueueFull()).isZero();

    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.requests).hasSize(AgentWriter.PROMPT_SENDS + 1);
    assertThat(agent.traceCount()).isEqualTo(AgentWriter.PROMPT_SENDS + 200);
  }

  /**
   * The same for the queue's bound in spans: long traces fill half of it (50,000 spans in 50 traces) long before
   * half of its 1,024 traces, and that must wake the sender too, or a healthy agent's traffic of long traces is
   * dropped once 100,000 spans wait for the tick.
   */
  @Test
  void halfTheQueuesSpansAlsoWakeTheSender() {
    FakeAgent agent = agent();
    Tracer tracer = promptSendsUsedUp(agent, 1024);
    int spansPerTrace = 1000;
    int perBurst = AgentWriter.MAX_QUEUED_SPANS / 2 / spansPerTrace;
    // 200,000 spans in bursts of half the bound: each is taken into the batch at once, not 60 s later
    for (int burst = 0; burst < 4; burst++) {
      for (int i = 0; i < perBurst; i++) {
        try (Span job = tracer.trace("job")) {
          for (int j = 1; j < spansPerTrace; j++) {
            tracer.trace("step").close();
          }
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> tracer.writer().counters().queued() < perBurst);
    }
    assertThat(tracer.writer().counters().tracesDroppedQueueFull()).isZero();
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.traceCount()).isEqualTo(AgentWriter.PROMPT_SENDS + 4 * perBurst);
  }

  @Test
  void readsRateByServiceIntoTheSampler() {
    FakeAgent agent = agent();
    agent.answer = "{\"rate_by_service\":{\"service:web,env:prod\":0.25,\"service:,env:\":1}}";
    Tracer tracer = tracer(TracerConfig.builder().service("web").env("prod").agentUrl(agent.url()));
    tracer.trace("first").close();
    tracer.flush(Duration.ofSeconds(10));
    assertThat(tracer.sampler().agentRates()).containsEntry("service:web,env:prod", 0.25).containsEntry("service:,env:", 1.0);
    Span next = tracer.trace("second");
    next.close();
    assertThat(next.metrics()).containsEntry("_dd.agent_psr", 0.25);
  }

  @Test
  void protocol03SendsJson() {
    FakeAgent agent = agent();
    agent.answer = "OK";
    Tracer tracer = tracer(TracerConfig.builder().service("web").agentUrl(agent.url()).protocolVersion("0.3"));
    try (Span s = tracer.trace("json.span")) {
      s.setTag("quote", "say \"hi\"\n");
    }
    tracer.flush(Duration.ofSeconds(10));
    FakeAgent.Request r = agent.requests.get(0);
    assertThat(r.path).isEqualTo("/v0.3/traces");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    String body = new String(r.body, StandardCharsets.UTF_8);
    assertThat(body).startsWith("[[{\"service\":\"web\",\"name\":\"json.span\"").contains("\"quote\":\"say \\\"hi\\\"\\n\"");
    assertThat(tracer.writer().counters().tracesSent()).isEqualTo(1);
  }

  @Test
  void agentDownDropsAndCountsWithoutBlockingThenResumesWhenItComesBack() {
    int port = FakeAgent.freePort();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl("http://127.0.0.1:" + port).queueSize(16)
        .agentTimeout(Duration.ofSeconds(2)));
    int written = 2000;
    int maxQueued = 0;
    for (int i = 0; i < written; i++) {
      tracer.trace("during.outage").close(); // returns at once: the writer only offers to the queue
      maxQueued = Math.max(maxQueued, tracer.writer().counters().queued());
    }
    assertThat(maxQueued).isLessThanOrEqualTo(16); // memory stays bounded
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      WriterCounters c = tracer.writer().counters();
      return c.tracesDroppedQueueFull() + c.tracesDroppedSendFailed() == written;
    });
    WriterCounters down = tracer.writer().counters();
    assertThat(down.tracesDroppedSendFailed()).isPositive();
    assertThat(down.tracesDroppedQueueFull()).isPositive();
    assertThat(down.requestsFailed()).isPositive();
    assertThat(down.tracesSent()).isZero();

    FakeAgent agent = FakeAgent.start(port);
    toClose.add(agent);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      tracer.trace("after.recovery").close();
      return tracer.writer().counters().tracesSent() > 0;
    });
    assertThat(agent.spans()).extracting(s -> s.get("name")).contains("after.recovery");
  }

  /**
   * A tracer with a queue of {@code queueSize} traces whose sender is stuck in a request to {@code agent} (trace
   * "first") until {@code agent.gate} is opened.
   */
  private Tracer stuckInARequest(FakeAgent agent, int queueSize) {
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).queueSize(queueSize)
        .agentTimeout(Duration.ofSeconds(30)));
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // past the writer's first request, for /info
    agent.gate = new CountDownLatch(1);
    tracer.trace("first").close();
    new Thread(() -> tracer.flush(Duration.ofSeconds(30))).start();
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.inFlight.get() == 1);
    return tracer;
  }

  @Test
  void slowAgentFillsTheBoundedQueueAndTheRestIsDroppedAndCounted() {
    FakeAgent agent = agent();
    Tracer tracer = stuckInARequest(agent, 8);

    for (int i = 0; i < 1000; i++) {
      tracer.trace("while.slow").close();
    }
    WriterCounters stuck = tracer.writer().counters();
    assertThat(stuck.queued()).isEqualTo(8);
    assertThat(stuck.tracesDroppedQueueFull()).isEqualTo(992);
    assertThat(stuck.spansDroppedQueueFull()).isEqualTo(992);

    agent.gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> tracer.writer().counters().tracesSent() == 9);
    tracer.trace("after").close();
    tracer.flush(Duration.ofSeconds(10));
    assertThat(tracer.writer().counters().tracesSent()).isEqualTo(10);
  }

  @Test
  void whileTheAgentIsSlowTheQueueHoldsAtMostItsBoundOfSpansHoweverFewTracesThatIs() {
    FakeAgent agent = agent();
    Tracer tracer = stuckInARequest(agent, 1024);

    int spansPerTrace = 1000;
    for (int i = 0; i < 150; i++) { // 150,000 spans: a batch job's traces, while the agent does not answer
      try (Span job = tracer.trace("job")) {
        for (int j = 1; j < spansPerTrace; j++) {
          tracer.trace("step").close();
        }
      }
    }
    WriterCounters stuck = tracer.writer().counters();
    int fit = AgentWriter.MAX_QUEUED_SPANS / spansPerTrace;
    assertThat(stuck.queued()).as("far fewer traces than the queue's 1,024").isEqualTo(fit);
    assertThat(stuck.tracesDroppedQueueFull()).isEqualTo(150 - fit);
    assertThat(stuck.spansDroppedQueueFull()).isEqualTo((150L - fit) * spansPerTrace);

    agent.gate.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> tracer.writer().counters().tracesSent() == 1 + fit);
    tracer.trace("after").close();
    tracer.flush(Duration.ofSeconds(10));
    assertThat(tracer.writer().counters().tracesSent()).as("room again once they are sent").isEqualTo(2 + fit);
  }

  @Test
  void anAgentThatStallsInMidAnswerCostsOneTimeoutPerRequestAndTheWriterGoesOn() {
    FakeAgent agent = agent();
    agent.stallInBody = true; // from the writer's first request, for /info, on
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).agentTimeout(Duration.ofSeconds(1)));
    for (int i = 0; i < 3; i++) {
      tracer.trace("while.stalled").close();
    }
    // before, the sender waited for the rest of /info's answer for ever: nothing sent, nothing counted
    await().atMost(Duration.ofSeconds(15)).until(() -> tracer.writer().counters().tracesDroppedSendFailed() == 3);
    assertThat(tracer.writer().counters().requestsFailed()).isPositive();

    agent.stallInBody = false;
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      tracer.trace("after.the.stall").close();
      return tracer.writer().counters().tracesSent() > 0;
    });
    assertThat(agent.spans()).extracting(span -> span.get("name")).contains("after.the.stall");
  }

  @Test
  void anAnswerLongerThanAnyAgentsIsCutShortAsAFailedSend() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).flushInterval(Duration.ofSeconds(60)));
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // past the writer's first request, for /info
    agent.padding = 4 * AgentWriter.MAX_ANSWER_BYTES;
    tracer.trace("answered.at.length").close();
    tracer.flush(Duration.ofSeconds(10));
    assertThat(tracer.writer().counters().tracesDroppedSendFailed()).isEqualTo(1);

    agent.padding = 0;
    tracer.trace("answered.briefly").close();
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(tracer.writer().counters().tracesSent()).isEqualTo(1);
  }

  @Test
  void errorStatusesCountAsFailedSends() {
    FakeAgent agent = agent();
    agent.status = 400;
    agent.answer = "bad payload";
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()));
    tracer.trace("rejected").close();
    tracer.flush(Duration.ofSeconds(10));
    WriterCounters c = tracer.writer().counters();
    assertThat(c.tracesDroppedSendFailed()).isEqualTo(1);
    assertThat(c.requestsFailed()).isEqualTo(1);
    assertThat(c.tracesSent()).isZero();
  }

  @Test
  void aBugWhileEncodingATraceLosesOnlyThatTraceCountedAndTheWriterGoesOn() {
    FakeAgent agent = agent();
    Tracer tracer = tracer(TracerConfig.builder().agentUrl(agent.url()).flushInterval(Duration.ofSeconds(60)));
    tracer.trace("before").close(); // may go out at once, or in the batch the broken trace joins
    tracer.writer().write(new java.util.AbstractList<Span>() { // a chunk the encoder fails on: a bug
      @Override
      public Span get(int index) {
        throw new IllegalStateException("a bug in the tracer");
      }

      @Override
      public int size() {
        return 1;
      }
    });
    tracer.flush(Duration.ofSeconds(10));
    WriterCounters c = tracer.writer().counters();
    assertThat(c.tracesSent()).as("each trace is encoded as it joins the batch: the others are kept").isEqualTo(1);
    assertThat(c.tracesDroppedSendFailed()).isEqualTo(1);

    tracer.trace("after").close();
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.spans()).extracting(span -> span.get("name")).contains("after");
  }

  @Test
  void closeSendsWhatIsQueued() {
    FakeAgent agent = agent();
    Tracer tracer = Tracer.create(TracerConfig.builder().agentUrl(agent.url()).logsInjection(false)
        .flushInterval(Duration.ofSeconds(60)).build());
    for (int i = 0; i < 5; i++) {
      tracer.trace("before.close").close();
    }
    tracer.close();
    assertThat(agent.traceCount()).isEqualTo(5);
    tracer.trace("after.close").close();
    assertThat(tracer.writer().counters().tracesDroppedQueueFull()).isEqualTo(1);
  }

  /**
   * Application threads still tracing while the tracer closes: each trace is sent or counted as dropped, none is
   * left in the queue after the sender has stopped (a write that saw the writer open, then queued its trace after
   * the sender's last look at the queue, used to be).
   */
  @Test
  void everyTraceWrittenWhileClosingIsSentOrCounted() throws Exception {
    FakeAgent agent = agent();
    for (int round = 0; round < 20; round++) {
      Tracer tracer = Tracer.create(TracerConfig.builder().agentUrl(agent.url()).logsInjection(false)
          .statsComputation(false).build());
      CountDownLatch started = new CountDownLatch(4);
      AtomicBoolean closed = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread thread = new Thread(() -> {
          started.countDown();
          while (!closed.get()) {
            tracer.trace("while.closing").close();
            written.incrementAndGet();
          }
        });
        threads.add(thread);
        thread.start();
      }
      started.await();
      tracer.close();
      closed.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
      int r = round;
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        WriterCounters counters = tracer.writer().counters();
        assertThat(counters.tracesSent() + counters.tracesDroppedQueueFull() + counters.tracesDroppedSendFailed())
            .as("round %d: %s", r, counters).isEqualTo(written.get());
        assertThat(counters.queued()).isZero();
      });
    }
  }

  @Test
  void closeGivesUpOnAnAgentThatHangsAndCountsWhatItHeld() {
    FakeAgent agent = agent();
    Tracer tracer = Tracer.create(TracerConfig.builder().agentUrl(agent.url()).logsInjection(false)
        .flushInterval(Duration.ofSeconds(60)).build()); // the default agent timeout: 10 s
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // past the writer's first request, for /info
    agent.gate = new CountDownLatch(1); // the agent takes requests and never answers them
    tracer.trace("stuck").close();
    new Thread(() -> tracer.flush(Duration.ofSeconds(30))).start();
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.inFlight.get() == 1);

    long start = System.nanoTime();
    tracer.close();
    Duration closing = Duration.ofNanos(System.nanoTime() - start);

    // CLOSE_WAIT, then up to a second for the sender to stop; before, close() waited for the agent timeout and more
    assertThat(closing).isLessThan(AgentWriter.CLOSE_WAIT.plusSeconds(3));
    await().atMost(Duration.ofSeconds(5)).until(() -> tracer.writer().counters().tracesDroppedSendFailed() == 1);
    assertThat(tracer.writer().counters().tracesSent()).isZero();
  }

  /**
   * Code that traces while the JVM shuts down (a request still in flight, another shutdown hook) may make a tracer
   * then: {@code Tracer.global()} makes a new one once the application's was closed. Registering the writer's own
   * shutdown hook then throws IllegalStateException, which must not reach that code. Run in a JVM of its own, which
   * exits.
   */
  @Test
  void aTracerMadeWhileTheJvmShutsDownStillTracesAndThrowsNothing() throws Exception {
    try (FakeAgent agent = FakeAgent.start()) {
      Process jvm = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), TracingDuringShutdown.class.getName(), agent.url())
          .redirectErrorStream(true).start();
      assertThat(jvm.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the JVM exits").isTrue();
      String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(output).contains("traced during shutdown").doesNotContain("threw");
      // and traced: close() sent the span, though no shutdown hook of the writer's could be added
      assertThat(agent.traceCount()).as(output).isEqualTo(1);
    }
  }

  /** The main class of the JVM above: traces in a shutdown hook of its own, with a new tracer, and says how it went. */
  public static final class TracingDuringShutdown {
    public static void main(String[] args) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (Tracer late = Tracer.create(TracerConfig.builder().agentUrl(args[0]).logsInjection(false).build())) {
          late.trace("late").close();
          System.out.println("traced during shutdown");
        } catch (Throwable t) {
          System.out.println("threw " + t);
        }
      }));
    }
  }

  @Test
  void parsesRatesLeniently() {
    assertThat(AgentWriter.parseRates("OK")).isNull();
    assertThat(AgentWriter.parseRates("{\"rate_by_service\":{}}")).isEmpty();
    assertThat(AgentWriter.parseRates("{\"rate_by_service\": {\"service:a,env:b\": 0.5, \"service:,env:\": 1e0}}"))
        .containsEntry("service:a,env:b", 0.5).containsEntry("service:,env:", 1.0);
    // an odd entry is skipped, the others kept; a brace in a service's name is just a character
    assertThat(AgentWriter.parseRates("{\"rate_by_service\":{\"service:a},env:\":0.25,\"service:b,env:\":\"x\"}}"))
        .containsExactly(Map.entry("service:a},env:", 0.25));
    assertThat(AgentWriter.parseRates("{\"rate_by_service\":[0.5]}")).isNull();
  }
}
