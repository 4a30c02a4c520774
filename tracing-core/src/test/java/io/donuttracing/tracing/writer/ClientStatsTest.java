package io.donuttracing.tracing.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Traces sampled out are counted in stats instead of sent, when the agent allows it, against a real HTTP server. */
class ClientStatsTest {
  static final String ALLOWING_INFO =
      "{\"version\":\"7.65.0\",\"endpoints\":[\"/v0.4/traces\",\"/v0.6/stats\",\"/info\"],\"client_drop_p0s\":true}";

  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  FakeAgent agent(String info) {
    FakeAgent agent = FakeAgent.start();
    agent.info = info;
    agent.agentState = info == null ? null : sha256(info); // as an agent's; one without /info sends none
    toClose.add(agent);
    return agent;
  }

  /** Every trace sampled out (rate 0), flushed only on demand. */
  Tracer rejectingTracer(FakeAgent agent, boolean statsComputation) {
    Tracer tracer = Tracer.create(TracerConfig.builder().service("web").env("test").agentUrl(agent.url())
        .sampleRate(0.0).statsComputation(statsComputation).flushInterval(Duration.ofSeconds(60))
        .logsInjection(false).build());
    toClose.add(tracer);
    return tracer;
  }

  static List<Span> request(Tracer tracer, boolean fail) {
    List<Span> spans = new ArrayList<>();
    try (Span server = tracer.trace("servlet.request")) {
      spans.add(server);
      server.setResource("GET /beers").setType("web").setTag("span.kind", "server")
          .setTag("http.status_code", fail ? "500" : "200").setError(fail);
      try (Span query = tracer.trace("h2.query", "db")) {
        spans.add(query);
        query.setResource("SELECT * FROM beer").setType("sql");
      }
      try (Span internal = tracer.trace("render")) { // same service as its parent, no kind: not counted
        spans.add(internal);
      }
    }
    return spans;
  }

  @Test
  @SuppressWarnings("unchecked")
  void onceTheAgentAllowsItSampledOutTracesAreCountedInStatsAndReportedAsDropped() throws Exception {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);

    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.infoRequests).hasValue(1); // read when the writer started, before any trace

    long durations = 0;
    for (int i = 0; i < 5; i++) {
      durations += request(tracer, false).get(0).durationNanos();
    }
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    assertThat(agent.traceCount()).isZero(); // none of the five was sent
    assertThat(agent.infoRequests).hasValue(1); // the answers' Datadog-Agent-State is the hash of what it read
    WriterCounters counters = tracer.writer().counters();
    assertThat(counters.tracesDroppedP0()).isEqualTo(5);
    assertThat(counters.spansDroppedP0()).isEqualTo(15);

    FakeAgent.Request report = agent.requests.stream()
        .filter(r -> r.path.equals("/v0.4/traces") && r.header("Datadog-Client-Dropped-P0-Traces") != null)
        .findFirst().orElseThrow();
    assertThat(report.header("Datadog-Client-Dropped-P0-Traces")).isEqualTo("5");
    assertThat(report.header("Datadog-Client-Dropped-P0-Spans")).isEqualTo("15");
    assertThat(report.traces).isEmpty(); // nothing else to send: the counts travel alone

    FakeAgent.Request stats = agent.requests.stream().filter(r -> r.path.equals("/v0.6/stats")).findFirst().orElseThrow();
    assertThat(stats.method).isEqualTo("PUT");
    assertThat(stats.header("Content-Type")).isEqualTo("application/msgpack");
    Map<String, Object> payload = (Map<String, Object>) FakeAgent.decodeValue(stats.body);
    assertThat(payload).containsEntry("Env", "test").containsEntry("Service", "web").containsEntry("Lang", "java");
    List<Map<String, Object>> groups = new ArrayList<>();
    for (Object bucket : (List<Object>) payload.get("Stats")) {
      Map<String, Object> b = (Map<String, Object>) bucket;
      assertThat((Long) b.get("Start") % ClientStats.BUCKET_NANOS).isZero();
      assertThat(b).containsEntry("Duration", ClientStats.BUCKET_NANOS);
      ((List<Object>) b.get("Stats")).forEach(g -> groups.add((Map<String, Object>) g));
    }
    // The five requests, by group (a bucket boundary may split them; add them up).
    assertThat(sum(groups, "web", "servlet.request", "Hits")).isEqualTo(5);
    assertThat(sum(groups, "web", "servlet.request", "TopLevelHits")).isEqualTo(5);
    assertThat(sum(groups, "web", "servlet.request", "Errors")).isZero();
    assertThat(sum(groups, "web", "servlet.request", "Duration")).isEqualTo(durations);
    assertThat(sum(groups, "db", "h2.query", "Hits")).isEqualTo(5);
    assertThat(sum(groups, "db", "h2.query", "TopLevelHits")).isEqualTo(5); // its service differs from its parent's
    assertThat(sum(groups, "web", "render", "Hits")).isZero();
    Map<String, Object> server = groups.stream().filter(g -> g.get("Name").equals("servlet.request")).findFirst().orElseThrow();
    assertThat(server).containsEntry("Resource", "GET /beers").containsEntry("Type", "web")
        .containsEntry("SpanKind", "server").containsEntry("HTTPStatusCode", 200L).containsEntry("IsTraceRoot", 1L);
    assertThat((byte[]) server.get("OkSummary")).isNotEmpty();
    Map<String, Object> db = groups.stream().filter(g -> g.get("Name").equals("h2.query")).findFirst().orElseThrow();
    assertThat(db).containsEntry("Resource", "SELECT * FROM beer").containsEntry("IsTraceRoot", 2L);
  }

  @Test
  @SuppressWarnings("unchecked")
  void tracesDroppedOnManyThreadsAtOnceAreAllCounted() throws Exception {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info: it may drop

    int threads = 8;
    int perThread = 250;
    onThreadsAtOnce(threads, () -> {
      for (int i = 0; i < perThread; i++) {
        request(tracer, false); // each thread counts the traces it finishes
      }
    });
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    int total = threads * perThread;
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(total);
    assertThat(agent.traceCount()).isZero();
    long reported = agent.requests.stream().map(r -> r.header("Datadog-Client-Dropped-P0-Traces"))
        .filter(h -> h != null).mapToLong(Long::parseLong).sum();
    assertThat(reported).isEqualTo(total);
    List<Map<String, Object>> groups = statsGroups(agent);
    assertThat(sum(groups, "web", "servlet.request", "Hits")).isEqualTo(total);
    assertThat(sum(groups, "db", "h2.query", "Hits")).isEqualTo(total);
  }

  @Test
  void aSampledOutTraceWithAnErrorIsStillSentForTheAgentsErrorSampler() {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info: it may drop

    request(tracer, true);
    request(tracer, false);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    assertThat(agent.traceCount()).isEqualTo(1);
    assertThat(agent.spans()).anySatisfy(span -> assertThat(span).containsEntry("error", 1L));
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(1);
  }

  @Test
  void everyTraceIsSentWhenTheAgentDoesNotSayItAllowsDropping() {
    FakeAgent agent = agent(null); // no /info: an old agent
    agent.agentState = "7e57"; // yet its answers carry a state
    Tracer tracer = rejectingTracer(agent, true);
    for (int i = 0; i < 3; i++) {
      request(tracer, false);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(agent.traceCount()).isEqualTo(3);
    assertThat(agent.infoRequests).hasValue(2); // when it started, and once for the state its answers carry
    assertThat(tracer.writer().counters().tracesDroppedP0()).isZero();
  }

  @Test
  void everyTraceIsSentToAnAgentOlderThan7_65EvenIfItsInfoAllowsDropping() {
    // Datadog's Java tracer drops only for agents from 7.65.0 on; older ones count client stats differently
    for (String version : List.of("7.64.3", "6.99.0", "", "unknown")) {
      FakeAgent agent = agent(ALLOWING_INFO.replace("7.65.0", version));
      Tracer tracer = rejectingTracer(agent, true);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info
      request(tracer, false);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(agent.traceCount()).as(version).isEqualTo(1);
    }
    for (String version : List.of("7.65.1", "7.100.0", "8.0.0-rc.1")) {
      FakeAgent agent = agent(ALLOWING_INFO.replace("7.65.0", version));
      Tracer tracer = rejectingTracer(agent, true);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info
      request(tracer, false);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(tracer.writer().counters().tracesDroppedP0()).as(version).isEqualTo(1);
    }
  }

  @Test
  void pastTheLimitOfGroupsTracesAreSentRatherThanCounted() throws Exception {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info
    for (int i = 0; i < ClientStats.MAX_GROUPS + 50; i++) { // SQL with its literal: a group per value
      tracer.trace("jdbc.query").setResource("SELECT * FROM beer WHERE id = " + i).close();
    }
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(ClientStats.MAX_GROUPS);
    assertThat(agent.traceCount()).as("the rest were sent, not lost").isEqualTo(50);
    assertThat(statsGroups(agent)).hasSize(ClientStats.MAX_GROUPS);

    tracer.trace("jdbc.query").setResource("SELECT 1").close(); // the flush sent the stats: counting again
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(ClientStats.MAX_GROUPS + 1);
  }

  @Test
  void theLimitCountsAGroupOnceWhicheverThreadsCountIt() throws Exception {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    // 900 resources, each counted by 32 threads, so in every shard: 900 groups (1,800 if the run straddles
    // two buckets), under the limit however many shards hold each of them
    int threads = 32;
    int resources = 900;
    onThreadsAtOnce(threads, () -> {
      for (int i = 0; i < resources; i++) {
        tracer.trace("jdbc.query").setResource("SELECT * FROM beer WHERE id = " + i).close();
      }
    });
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.traceCount()).as("none sent: the limit was not reached").isZero();
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(threads * resources);
  }

  @Test
  void everyTraceIsSentWhenStatsComputationIsSwitchedOff() {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, false);
    for (int i = 0; i < 3; i++) {
      request(tracer, false);
      assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(agent.traceCount()).isEqualTo(3);
    assertThat(agent.infoRequests).hasValue(0);
    assertThat(agent.requests).noneMatch(r -> r.path.equals("/v0.6/stats"));
  }

  @Test
  void anAnswerWithAnotherAgentStateMakesTheWriterReadInfoAgain() {
    FakeAgent agent = agent(ALLOWING_INFO);
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    String refusing = ALLOWING_INFO.replace("\"client_drop_p0s\":true", "\"client_drop_p0s\":false");
    agent.info = refusing; // the agent was reconfigured: its answers now carry the new state
    agent.agentState = sha256(refusing);
    request(tracer, false); // dropped: the writer still goes by the old /info; the report's answer has the new state
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.infoRequests).hasValue(2);
    assertThat(agent.traceCount()).isZero();

    request(tracer, false);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.traceCount()).isEqualTo(1); // sent, as this agent wants
    assertThat(tracer.writer().counters().tracesDroppedP0()).isEqualTo(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void tracesWhoseRootTheAgentFiltersAreNeitherSentNorCountedInStats() throws Exception {
    FakeAgent agent = agent(ALLOWING_INFO.replace("}", ",\"ignore_resources\":[\"^GET /ping$\"],"
        + "\"filter_tags\":{},\"filter_tags_regex\":{\"reject\":[\"http.useragent:^kube-probe/\"]}}"));
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info

    health(tracer, SamplingPriority.UNSET); // sampled out: would be counted in stats
    health(tracer, SamplingPriority.USER_KEEP); // kept: would be sent
    request(tracer, false); // sampled out: counted
    health(tracer, SamplingPriority.USER_KEEP, "GET /donuts"); // kept and not ignored: sent
    try (Span probe = tracer.trace("servlet.request")) { // a probe's request, sampled out: would be counted
      probe.setResource("GET /beers").setType("web").setTag("http.useragent", "kube-probe/1.31");
    }
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();

    assertThat(agent.spans()).extracting(s -> s.get("resource")).containsExactly("GET /donuts");
    List<Map<String, Object>> groups = statsGroups(agent);
    assertThat(groups).extracting(g -> g.get("Resource")).contains("GET /beers").doesNotContain("GET /ping");
    assertThat(groups.stream().filter(g -> "GET /beers".equals(g.get("Resource")))
        .mapToLong(g -> ((Number) g.get("Hits")).longValue()).sum()).as("the probe's request is not a hit").isEqualTo(1);
    WriterCounters counters = tracer.writer().counters();
    assertThat(counters.tracesFiltered()).isEqualTo(3);
    assertThat(counters.spansFiltered()).isEqualTo(3);
    assertThat(counters.tracesDroppedP0()).isEqualTo(1);
    assertThat(counters.toString()).contains("filtered=3/3");

    // The agent restarts without the rule: once an answer carries its new state, health checks go out again.
    agent.info = ALLOWING_INFO;
    agent.agentState = sha256(ALLOWING_INFO);
    health(tracer, SamplingPriority.USER_KEEP, "GET /donuts");
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    health(tracer, SamplingPriority.USER_KEEP);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(agent.spans()).extracting(s -> s.get("resource")).containsExactly("GET /donuts", "GET /donuts", "GET /ping");
    assertThat(tracer.writer().counters().tracesFiltered()).isEqualTo(3);
  }

  @Test
  void aSampledOutTraceTheAgentsFiltersCannotDecideInTimeIsSentForTheAgentToDecide() {
    FakeAgent agent = agent(ALLOWING_INFO.replace("}", ",\"filter_tags_regex\":{\"reject\":[\"http.url:^(.*a){15}$\"]}}"));
    Tracer tracer = rejectingTracer(agent, true);
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue(); // the writer has read /info
    try (Span server = tracer.trace("servlet.request")) {
      server.setResource("GET /beers").setTag("http.url", "http://127.0.0.1:5000/" + "a".repeat(40) + "!");
    }
    assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
    // counted in the stats, it would have been left to the tracer's undecided filter: the agent never saw it
    assertThat(agent.spans()).extracting(s -> s.get("resource")).containsExactly("GET /beers");
    assertThat(tracer.writer().counters().tracesDroppedP0()).isZero();
  }

  /** Runs {@code work} on {@code threads} threads started together, and waits for them all. */
  private static void onThreadsAtOnce(int threads, Runnable work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          work.run();
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void health(Tracer tracer, int priority) {
    health(tracer, priority, "GET /ping");
  }

  private static void health(Tracer tracer, int priority, String resource) {
    try (Span ping = tracer.trace("servlet.request")) {
      ping.setResource(resource).setType("web").setTag("span.kind", "server");
      if (priority != SamplingPriority.UNSET) {
        ping.setSamplingPriority(priority);
      }
    }
  }

  /** Every group of every {@code /v0.6/stats} payload the agent received. */
  private static List<Map<String, Object>> statsGroups(FakeAgent agent) throws Exception {
    List<Map<String, Object>> groups = new ArrayList<>();
    for (FakeAgent.Request stats : agent.requests.stream().filter(r -> r.path.equals("/v0.6/stats")).toList()) {
      groups.addAll(groups(stats.body));
    }
    return groups;
  }

  /** Every group of one {@code /v0.6/stats} payload, whatever its bucket. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> groups(byte[] payload) throws Exception {
    List<Map<String, Object>> groups = new ArrayList<>();
    for (Object bucket : (List<Object>) ((Map<String, Object>) FakeAgent.decodeValue(payload)).get("Stats")) {
      ((List<Object>) ((Map<String, Object>) bucket).get("Stats")).forEach(g -> groups.add((Map<String, Object>) g));
    }
    return groups;
  }

  private static String sha256(String s) {
    return AgentWriter.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aSpanWithoutANameOrWithAStatusTheAgentCannotReadSpoilsNoOtherGroup() throws Exception {
    // the null name threw in takeFinished: every group of the tick lost
    List<Map<String, Object>> groups = groupsOf("web", tracer -> {
      tracer.trace("servlet.request").setTag("http.status_code", "200").close();
      tracer.trace(null).setTag("http.status_code", "-1").close(); // the agent reads a uint32: -1 refused the payload
    });
    assertThat(groups).extracting(g -> g.get("Name"), g -> g.get("HTTPStatusCode"))
        .containsExactlyInAnyOrder(tuple("servlet.request", 200L), tuple("", 0L));
  }

  @Test
  void aSpanKindIsReadInAnyCaseAsTheAgentReadsIt() throws Exception {
    List<Map<String, Object>> groups = groupsOf("svc", tracer -> {
      try (Span root = tracer.trace("job")) {
        // same service as the root, not measured: counted only for its kind, which the agent lower-cases
        tracer.trace("http.request").setTag("span.kind", "CLIENT").close();
        tracer.trace("render").setTag("span.kind", "internal").close();
      }
    });
    assertThat(groups).extracting(g -> g.get("Name"), g -> g.get("SpanKind"), g -> g.get("TopLevelHits"))
        .as("the kind as sent, in the group's key; not top-level")
        .containsExactlyInAnyOrder(tuple("job", "", 1L), tuple("http.request", "CLIENT", 0L));
  }

  @Test
  void aNumericStatusCodeGroupsAsTheAgentGroupsIt() throws Exception {
    List<Map<String, Object>> groups = groupsOf("svc", tracer -> {
      tracer.trace("numeric").setTag("http.status_code", 404).close(); // setTag(String, long): a metric
      tracer.trace("text").setTag("http.status_code", "503").close();
    });
    assertThat(groups).extracting(g -> g.get("Name"), g -> g.get("HTTPStatusCode"))
        .as("the agent's getStatusCode reads the metric first, then the string tag")
        .containsExactlyInAnyOrder(tuple("numeric", 404L), tuple("text", 503L));
  }

  @Test
  void theSpansOfALongTraceSentBeforeTheirParentAreNotCountedAsWhereTheirServiceEnters() throws Exception {
    RecordingWriter recorded = new RecordingWriter();
    Tracer tracer = Tracer.create(TracerConfig.builder().service("svc").logsInjection(false).partialFlushMinSpans(2)
        .build(), recorded);
    try (Span root = tracer.trace("job")) {
      for (int i = 0; i < 4; i++) {
        tracer.trace("step").setTag("_dd.measured", 1).close(); // measured: counted, whether top-level or not
      }
    }
    assertThat(recorded.chunks).as("the steps left in chunks of their own").hasSizeGreaterThan(1);
    ClientStats stats = new ClientStats("test", null, "svc");
    recorded.chunks.forEach(stats::add);
    assertThat(groups(stats.takeFinished(Long.MAX_VALUE, true)))
        .extracting(g -> g.get("Name"), g -> g.get("Hits"), g -> g.get("TopLevelHits"))
        .containsExactlyInAnyOrder(tuple("job", 1L, 1L), tuple("step", 4L, 0L));
  }

  /**
   * The agent, told {@code Datadog-Client-Computed-Top-Level}, reads a span's {@code _dd.top_level} (or
   * {@code _top_level}) as sent, the span's own one included: the stats of the traces not sent count the same spans.
   */
  @Test
  void aSpansOwnTopLevelMetricCountsAsTheAgentReadsIt() throws Exception {
    List<Map<String, Object>> groups = groupsOf("svc", tracer -> {
      try (Span root = tracer.trace("job")) {
        tracer.trace("marked").setTag("_dd.top_level", 1).close(); // the root's service: top-level by its own word
        tracer.trace("marked.before").setTag("_top_level", 1).close(); // the agent's own key
        tracer.trace("db.query", "db").setTag("_dd.top_level", 0).close(); // another service's, yet says it is not
      }
    });
    assertThat(groups).extracting(g -> g.get("Name"), g -> g.get("Hits"), g -> g.get("TopLevelHits"))
        .containsExactlyInAnyOrder(tuple("job", 1L, 1L), tuple("marked", 1L, 1L), tuple("marked.before", 1L, 1L));
  }

  /** The stats groups of the traces {@code traced} makes, as a tracer of {@code service} would send them. */
  private static List<Map<String, Object>> groupsOf(String service, Consumer<Tracer> traced) throws Exception {
    RecordingWriter recorded = new RecordingWriter();
    traced.accept(RecordingWriter.tracer(recorded));
    ClientStats stats = new ClientStats("test", null, service);
    recorded.chunks.forEach(stats::add);
    return groups(stats.takeFinished(Long.MAX_VALUE, true));
  }

  private static long sum(List<Map<String, Object>> groups, String service, String name, String field) {
    return groups.stream().filter(g -> g.get("Service").equals(service) && g.get("Name").equals(name))
        .mapToLong(g -> (Long) g.get(field)).sum();
  }
}
