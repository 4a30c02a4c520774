package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.donuttracing.steps.Collector.Span;
import io.donuttracing.steps.Collector.Trace;

/**
 * The finished workshop, end to end: {@code ./workshop up} starts the collector, Redis, the taster and the
 * matchmaker from their jars on free ports, and every request leaves one distributed trace in the collector.
 * The stack is started once for the class; the last tests stop the taster, then the collector.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TracingIT {

    /** Clocks of different processes (and Lettuce's I/O thread) may disagree this much. */
    static final long SKEW_NANOS = Duration.ofMillis(5).toNanos();
    static final long REMOTE_END_SLACK_NANOS = Duration.ofMillis(100).toNanos();

    static final Set<String> ALL_FOUR = Set.of("matchmaker", "db", "redis", "taster");

    // The seeded taster makes the match known; a high target keeps the collector's sampler from dropping
    // any of the 200 concurrent traces (it would otherwise aim at 10 traces/s per service).
    static final Workshop workshop = new Workshop("tracing-it-")
            .env("TASTER_SEED", "42")
            .env("DD_APM_TARGET_TPS", "100000");
    static Collector collector;
    static int matchmaker;

    @BeforeAll
    static void up() {
        Steps.Result up = workshop.run("up", "--detach");
        assertThat(up.exitCode()).as(up.output()).isZero();
        collector = new Collector(workshop.collectorPort);
        matchmaker = workshop.matchmakerPort;
    }

    @AfterAll
    static void down() {
        workshop.run("down");
    }

    @Test
    @Order(1)
    void onePairingIsOneTraceAcrossTheMatchmakerItsDatabaseRedisAndTheTaster() {
        long sentAt = epochNanos();
        HttpResponse<String> response = Repo.get(matchmaker, "/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"match\":\"chocolate\"}");
        String traceresponse = response.headers().firstValue("traceresponse").orElseThrow();
        assertThat(traceresponse).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");

        Trace trace = awaitPairing(traceresponse);
        // nothing else began since the request was sent, and no piece of it arrives as a trace of its own
        awaitSlowly().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20))
                .until(() -> collector.traceIdsStartedSince(sentAt - SKEW_NANOS).equals(Set.of(trace.id())));

        assertWellFormedPairing(trace);
        assertTheTasterCallsRunAtTheSameTime(trace.named("http.request", "matchmaker"));
        Span root = trace.root().orElseThrow();
        assertThat(root.meta()).containsEntry("http.status_code", "200");
        assertThat(trace.spans()).allSatisfy(span -> assertThat(span.error()).as("%s", span).isZero());
        assertThat(collector.text(trace.id())).contains("matchmaker  servlet.request  GET /pair/beer")
                .contains("taster  servlet.request  GET /taste");
    }

    @Test
    @Order(2)
    void anUnknownBeerIsA404TraceThatIsNotAnError() {
        HttpResponse<String> response = Repo.get(matchmaker, "/pair/beer?name=mead");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error\":\"not found\",\"detail\":\"no beer named 'mead'\"}");
        Trace trace = awaitTrace(response.headers().firstValue("traceresponse").orElseThrow(),
                t -> t.root().isPresent() && !t.named("h2.query").isEmpty());
        Span root = trace.root().orElseThrow();
        assertThat(root.service()).isEqualTo("matchmaker");
        assertThat(root.resource()).isEqualTo("GET /pair/beer");
        assertThat(root.meta()).containsEntry("http.status_code", "404");
        assertThat(trace.spans()).allSatisfy(span -> assertThat(span.error()).as("%s", span).isZero());
        assertThat(trace.named("beer.query", "db")).hasSize(1);
        assertThat(trace.named("match")).isEmpty();
        assertEveryParentInTheTrace(trace);
    }

    @Test
    @Order(3)
    void twoHundredConcurrentPairingsFromEightClientsAreTwoHundredCompleteTracesNoneMixed() throws Exception {
        List<String> traceresponses = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(clients.submit(() -> Repo.get(matchmaker, "/pair/beer?name=ipa")));
            }
            for (Future<HttpResponse<String>> call : calls) {
                HttpResponse<String> response = call.get(2, TimeUnit.MINUTES);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{\"match\":\"chocolate\"}");
                traceresponses.add(response.headers().firstValue("traceresponse").orElseThrow());
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(new HashSet<>(traceresponses)).hasSize(200);

        List<Trace> traces = new ArrayList<>();
        Set<String> waiting = new HashSet<>(traceresponses);
        awaitSlowly().atMost(Duration.ofMinutes(1)).until(() -> {
            for (String id : List.copyOf(waiting)) {
                Optional<Trace> trace = collector.trace(id);
                if (trace.isPresent() && pairingArrived(trace.get())) {
                    traces.add(trace.get());
                    waiting.remove(id);
                }
            }
            return waiting.isEmpty();
        });

        assertThat(traces).hasSize(200).allSatisfy(TracingIT::assertWellFormedPairing);
        assertThat(traces.stream().map(Trace::id).distinct()).hasSize(200);
        assertThat(traces.stream().flatMap(t -> t.spans().stream()).map(Span::spanId).distinct())
                .as("no span is in two traces").hasSize(traces.stream().mapToInt(t -> t.spans().size()).sum());
    }

    @Test
    @Order(4)
    void aStoppedTasterIsA503AndErrorsOnTheClientSpans() {
        stop("taster", workshop.tasterPort);

        HttpResponse<String> response = Repo.get(matchmaker, "/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body()).startsWith("{\"error\":\"taster unavailable\",\"detail\":\"no taster call succeeded");
        Trace trace = awaitTrace(response.headers().firstValue("traceresponse").orElseThrow(), t -> t.root().isPresent());
        Span root = trace.root().orElseThrow();
        assertThat(root.meta()).containsEntry("http.status_code", "503");
        assertThat(root.error()).isEqualTo(1);
        assertThat(trace.services()).containsExactlyInAnyOrder("matchmaker", "db", "redis");
        assertThat(trace.named("http.request", "matchmaker")).hasSize(4).allSatisfy(call -> {
            assertThat(call.error()).isEqualTo(1);
            assertThat(call.meta().get("error.msg")).isNotBlank();
            assertThat(call.meta()).containsKey("error.type");
        });
        assertEveryParentInTheTrace(trace);
    }

    @Test
    @Order(5)
    void aStoppedCollectorLeavesTheAppServingAsBeforeAndTheWriterSaysWhyNothingArrives() {
        HttpResponse<String> before = Repo.get(matchmaker, "/beers");
        stop("collector", workshop.collectorPort);

        HttpResponse<String> after = Repo.get(matchmaker, "/beers");

        assertThat(after.statusCode()).isEqualTo(before.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo(before.body());
        assertThat(after.headers().firstValue("traceresponse")).isPresent();
        // the next send fails: the matchmaker's log (logs/matchmaker.log) says where it tried, why, and what was lost
        awaitSlowly().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(workshop.log("matchmaker"))
                .contains("dd-trace-writer: sending to http://127.0.0.1:" + workshop.collectorPort + "/v0.4/traces failed: ")
                .containsPattern("traces are dropped until it recovers \\(WriterCounters\\{sent=\\d+ traces/\\d+ spans, "
                        + "droppedQueueFull=0/0, droppedSendFailed=[1-9]\\d*/[1-9]\\d*, "));
    }

    // ---- what a complete, well-formed /pair/beer trace is ------------------------------------------------------

    /** The matchmaker's piece has arrived (its root) and the taster's four. */
    static boolean pairingArrived(Trace trace) {
        return trace.root().isPresent() && trace.named("servlet.request", "taster").size() == 4;
    }

    static void assertWellFormedPairing(Trace trace) {
        assertThat(trace.services()).isEqualTo(ALL_FOUR);
        Span beerQuery = only(trace.named("beer.query", "db"));
        boolean cached = "true".equals(beerQuery.meta().get("cache.hit"));
        assertThat(trace.spans()).as("1 request, the manual beer.query (with its SQL query unless the beer was cached), "
                + "2 Redis commands, match, 4 x (taster call + taster request)").hasSize(cached ? 13 : 14);
        assertThat(trace.spans()).allSatisfy(span -> assertThat(span.traceId()).isEqualTo(trace.id()));
        assertEveryParentInTheTrace(trace);

        Span root = trace.root().orElseThrow();
        assertThat(root.service()).isEqualTo("matchmaker");
        assertThat(root.name()).isEqualTo("servlet.request");
        assertThat(root.resource()).isEqualTo("GET /pair/beer");

        Span match = only(trace.named("match", "matchmaker"));
        assertThat(List.of(beerQuery, match)).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(root.spanId()));
        if (cached) {
            assertThat(trace.childrenOf(beerQuery)).as("a cached beer is not queried").isEmpty();
        } else {
            assertThat(trace.childrenOf(beerQuery)).singleElement().satisfies(q -> {
                assertThat(q.name()).isEqualTo("h2.query");
                assertThat(q.service()).isEqualTo("db");
                assertThat(q.resource()).containsIgnoringCase("from beer");
            });
        }
        assertThat(trace.named("donuts.query")).as("the wasted query of every donut is gone (workshop step 11)").isEmpty();
        assertThat(trace.named("h2.query")).noneSatisfy(q -> assertThat(q.resource()).containsIgnoringCase("from donut"));
        assertThat(trace.named("redis.command", "redis")).extracting(Span::resource).containsExactlyInAnyOrder("GET", "LRANGE");
        assertThat(trace.named("redis.command")).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(root.spanId()));

        List<Span> calls = trace.named("http.request", "matchmaker");
        assertThat(calls).hasSize(4).allSatisfy(call -> {
            assertThat(call.parentId()).isEqualTo(match.spanId());
            assertThat(call.resource()).isEqualTo("GET /taste");
            assertThat(trace.childrenOf(call)).as("what the taster did for %s", call).singleElement().satisfies(served -> {
                assertThat(served.service()).isEqualTo("taster");
                assertThat(served.name()).isEqualTo("servlet.request");
                assertThat(served.resource()).isEqualTo("GET /taste");
            });
        });
        assertThat(trace.named("servlet.request", "taster"))
                .allSatisfy(served -> assertThat(trace.parentOf(served).orElseThrow().name()).isEqualTo("http.request"));
        assertThat(trace.spans().stream().filter(Span::topLevel).map(s -> s.service() + " " + s.name()))
                .as("where each service enters the trace, as the tracers marked it: what the services' statistics count")
                .containsExactlyInAnyOrder("matchmaker servlet.request", "db beer.query", "redis redis.command",
                        "redis redis.command", "taster servlet.request", "taster servlet.request",
                        "taster servlet.request", "taster servlet.request");
        assertEveryChildWithinItsParent(trace);
    }

    /**
     * The slowness the workshop's last step fixed: the taster calls used to run one after another; now they
     * overlap, every call starting before any of them has ended.
     */
    static void assertTheTasterCallsRunAtTheSameTime(List<Span> tasterCalls) {
        long lastStart = tasterCalls.stream().mapToLong(Span::start).max().orElseThrow();
        long firstEnd = tasterCalls.stream().mapToLong(Span::end).min().orElseThrow();
        assertThat(lastStart).as("the last taster call starts before the first one ends").isLessThan(firstEnd);
    }

    static void assertEveryParentInTheTrace(Trace trace) {
        assertThat(trace.spans().stream().filter(s -> s.parentId().equals("0"))).as("one root").hasSize(1);
        assertThat(trace.spans()).filteredOn(s -> !s.parentId().equals("0"))
                .allSatisfy(s -> assertThat(trace.parentOf(s)).as("the parent of %s", s).isPresent());
    }

    /**
     * A span of this process ends before its parent; a server span of another process (the taster's
     * {@code servlet.request} under the matchmaker's {@code http.request}) may end a little after it: the
     * taster's filter closes its span after the response has left, and with the taster calls running
     * concurrently, on two busy cores, its thread may wait a while for the CPU in between.
     */
    static void assertEveryChildWithinItsParent(Trace trace) {
        for (Span child : trace.spans()) {
            trace.parentOf(child).ifPresent(parent -> {
                boolean remote = child.name().equals("servlet.request") && parent.name().equals("http.request");
                assertThat(child.start()).as("%s starts within %s", child, parent)
                        .isGreaterThanOrEqualTo(parent.start() - SKEW_NANOS);
                assertThat(child.end()).as("%s ends within %s", child, parent)
                        .isLessThanOrEqualTo(parent.end() + (remote ? REMOTE_END_SLACK_NANOS : SKEW_NANOS));
            });
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static Trace awaitPairing(String id) {
        return awaitTrace(id, TracingIT::pairingArrived);
    }

    static Trace awaitTrace(String id, java.util.function.Predicate<Trace> arrived) {
        Trace[] found = new Trace[1];
        awaitSlowly().atMost(Duration.ofSeconds(30)).until(() -> {
            Optional<Trace> trace = collector.trace(id);
            trace.ifPresent(t -> found[0] = t);
            return trace.filter(arrived).isPresent();
        });
        return found[0];
    }

    static ConditionFactory awaitSlowly() {
        return org.awaitility.Awaitility.await().pollInterval(Duration.ofMillis(250));
    }

    static Span only(List<Span> spans) {
        assertThat(spans).hasSize(1);
        return spans.get(0);
    }

    static void stop(String service, int port) {
        ProcessHandle process = ProcessHandle.of(workshop.pid(service)).orElseThrow();
        process.destroy();
        awaitSlowly().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive() && !Repo.listening(port));
    }

    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
