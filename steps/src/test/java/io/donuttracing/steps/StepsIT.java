package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.donuttracing.steps.Collector.Span;
import io.donuttracing.steps.Collector.Trace;

/**
 * Every step of the workshop, as a learner runs it: its code made from main and the step patches (as
 * {@code steps/step} makes it), built offline, started with that code's own {@code ./workshop up --detach}
 * on free ports, asked what the step's text asks, and held to the step's promise. Steps that change no
 * code (1, 5, 7, 12) run on the code of the step before them, which is checked here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StepsIT {

    static final Path WORK = Repo.ROOT.resolve("steps/target/steps");
    static final String PAIR = "/pair/beer?name=ipa";
    static final int WARM_UP_CALLS = 25;
    static final int TIMED_CALLS = 21;

    /** Built service jars by module and content hash, so that a step whose module did not change reuses it. */
    static final Map<String, Path> BUILT = new HashMap<>();
    static final Path REDIS_SERVER = WORK.resolve("redis-bin/redis-server");
    static final Map<String, Long> TIMINGS = new HashMap<>();
    /** Step 10, left running by its test so that step 11's can time both, call for call. */
    static StepRun step10;
    static final Instant START = Instant.now();

    @BeforeAll
    static void onMainOnly() {
        String head = Steps.git(Repo.ROOT, "log", "-1", "--format=%s");
        assumeThat(head).as("on a step branch the working tree is that step's code, not main's").doesNotStartWith("Workshop step ");
        assertThat(Repo.jar("agent-collector")).as("the collector's jar, built by this reactor").exists();
        Steps.deleteRecursively(WORK);
    }

    @AfterAll
    static void report() {
        if (step10 != null) {
            step10.close();
        }
        System.out.printf("StepsIT: %s in %d s%n", TIMINGS, Duration.between(START, Instant.now()).toSeconds());
    }

    // ---- the steps ---------------------------------------------------------------------------------------------

    @Test
    @Order(0)
    void step00And01TheUntracedAppAnswersAndSendsNoSpan() {
        try (StepRun run = StepRun.start("00", Steps.undoFor(0))) {
            assertThat(run.code.resolve("matchmaker-service/pom.xml")).content().doesNotContain("tracing-core");
            assertThat(run.code.resolve("taster-service/pom.xml")).content().doesNotContain("tracing-core");
            // step 1's tour
            assertThat(run.get("/beers").body()).startsWith("{\"beers\":[{\"id\":1,\"name\":\"ipa\"}");
            assertThat(run.get("/beers/ipa").body()).contains("\"hops\":7");
            assertThat(run.get("/donuts/jelly").body()).contains("\"sugar\":8");
            HttpResponse<String> pair = run.get(PAIR);
            assertThat(pair.body()).isEqualTo("{\"match\":\"chocolate\"}");
            assertThat(pair.headers().firstValue("traceresponse")).isEmpty();
            assertThat(Repo.get(run.workshop.tasterPort, "/taste?beer=ipa&donut=jelly").body()).matches("\\{\"score\":\\d+}");
            // a tracer would have sent within a second or two: the collector must stay empty
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> run.collector.traceIdsStartedSince(0).isEmpty());
            assertThat(Repo.get(run.workshop.collectorPort, "/api/services").body()).isEqualTo("{\"services\":[]}");
        }
    }

    @Test
    @Order(2)
    void step02WritesHowLongTheRouteTookToTimingLog() {
        try (StepRun run = StepRun.start("02", Steps.undoFor(2))) {
            run.get(PAIR);
            run.get(PAIR);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(run.timingLog())
                    .hasSize(2).allMatch(line -> line.matches("function pair took \\d+\\.\\d{3} seconds")));
        }
    }

    @Test
    @Order(3)
    void step03TimesTheSubOperations() {
        try (StepRun run = StepRun.start("03", Steps.undoFor(3))) {
            run.get(PAIR);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(run.timingLog())
                    .extracting(line -> line.replaceAll("\\d+\\.\\d{3}", "N"))
                    .containsExactly("operation beer.query took N seconds", "operation donuts.query took N seconds",
                            "operation match took N seconds", "function pair took N seconds"));
        }
    }

    @Test
    @Order(4)
    void step04OneRequestsLinesShareAnIdThatTwoRequestsDoNot() {
        try (StepRun run = StepRun.start("04", Steps.undoFor(4))) {
            run.get(PAIR);
            run.get(PAIR);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(run.timingLog()).hasSize(8));
            Pattern line = Pattern.compile("req: (\\d+), (operation \\S+|function pair) took \\d+\\.\\d{3} seconds");
            List<String> ids = run.timingLog().stream().map(l -> {
                Matcher m = line.matcher(l);
                assertThat(m.matches()).as(l).isTrue();
                return m.group(1);
            }).toList();
            assertThat(ids.subList(0, 4)).as("the first request's lines").containsOnly(ids.get(0));
            assertThat(ids.subList(4, 8)).as("the second request's lines").containsOnly(ids.get(4));
            assertThat(ids.get(0)).isNotEqualTo(ids.get(4));
            assertThat(ids.get(0)).as("a 64-bit id, in decimal").matches("[1-9][0-9]{0,19}")
                    .satisfies(id -> assertThat(new BigInteger(id)).isLessThan(BigInteger.TWO.pow(64)));
        }
    }

    @Test
    @Order(6)
    void step06And07ServletRequestTracesInTheCollectorAndNoTimingCodeLeft() throws IOException {
        try (StepRun run = StepRun.start("06", Steps.undoFor(6))) {
            Path matchmaker = run.code.resolve("matchmaker-service");
            assertThat(matchmaker.resolve("src/main/java/io/donuttracing/matchmaker/timing")).doesNotExist();
            assertThat(matchmaker.resolve("src/main/resources/logback-spring.xml")).doesNotExist();
            assertThat(matchmaker.resolve("pom.xml")).content().doesNotContain("aspectj");
            try (Stream<Path> sources = Files.walk(matchmaker.resolve("src/main"))) {
                assertThat(sources.filter(Files::isRegularFile).map(Steps::read))
                        .noneMatch(s -> s.contains("OperationTimer") || s.contains("@Timed") || s.contains("took {}"));
            }

            Trace trace = run.pairing(t -> t.root().isPresent());
            Span root = trace.root().orElseThrow();
            assertThat(trace.spans()).as("one span: the request").hasSize(1);
            // step 7: the fields the text reads
            assertThat(root.name()).isEqualTo("servlet.request");
            assertThat(root.service()).isEqualTo("matchmaker");
            assertThat(root.resource()).isEqualTo("GET /pair/beer");
            assertThat(root.meta()).containsEntry("http.method", "GET").containsEntry("http.status_code", "200")
                    .containsKey("http.url");
            assertThat(run.collector.text(trace.id())).contains("matchmaker  servlet.request  GET /pair/beer");
            assertThat(run.workshop.runDir.resolve("timing.log")).doesNotExist();
            // the taster is traced too, in traces of its own
            await().atMost(Duration.ofSeconds(20)).until(() -> Repo.get(run.workshop.collectorPort, "/api/services").body()
                    .contains("\"name\":\"taster\""));
        }
    }

    @Test
    @Order(8)
    void step08NestsTheManualSpansUnderTheRequest() {
        try (StepRun run = StepRun.start("08", Steps.undoFor(8))) {
            Trace trace = run.pairing(t -> t.root().isPresent());
            Span root = trace.root().orElseThrow();
            assertThat(trace.spans()).hasSize(4);
            Span beer = only(trace.named("beer.query", "db"));
            Span donuts = only(trace.named("donuts.query", "db"));
            Span match = only(trace.named("match", "matchmaker"));
            assertThat(List.of(beer, donuts, match)).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(root.spanId()));
            assertThat(match.service()).as("inherited from the parent").isEqualTo(root.service());
            assertThat(match.duration()).isGreaterThan(4 * 30_000_000L);
        }
    }

    @Test
    @Order(9)
    void step09TracesEveryQueryAndRedisCommandWithAPatchThatOnlyChangesConfiguration() {
        assertThat(filesOf(Steps.step(9).dir().resolve(Steps.CHANGE))).isNotEmpty().allSatisfy(file -> assertThat(file)
                .as("step 9 changes no call site: only TracingConfig and tests")
                .matches("matchmaker-service/src/main/java/io/donuttracing/matchmaker/tracing/TracingConfig\\.java"
                        + "|[a-z-]+-service/src/test/.*"));
        try (StepRun run = StepRun.start("09", Steps.undoFor(9))) {
            Trace trace = run.pairing(t -> t.root().isPresent() && t.named("redis.command").size() == 2);
            Span root = trace.root().orElseThrow();
            Span beer = only(trace.named("beer.query", "db"));
            assertThat(trace.childrenOf(beer)).singleElement().satisfies(q -> {
                assertThat(q.name()).isEqualTo("h2.query");
                assertThat(q.service()).isEqualTo("db");
                assertThat(q.resource()).containsIgnoringCase("from beer");
            });
            assertThat(trace.named("redis.command", "redis")).extracting(Span::resource).containsExactlyInAnyOrder("GET", "LRANGE")
                    .hasSize(2);
            assertThat(trace.named("redis.command")).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(root.spanId()));
            assertThat(trace.services()).containsExactlyInAnyOrder("matchmaker", "db", "redis");
        }
    }

    @Test
    @Order(10)
    void step10ByHandTheTasterContinuesTheMatchmakersTrace() {
        try (StepRun run = StepRun.start("10-by-hand", Steps.undoForByHand())) {
            Trace trace = run.pairing(t -> t.root().isPresent() && t.named("servlet.request", "taster").size() == 4);
            Span match = only(trace.named("match", "matchmaker"));
            assertThat(trace.named("servlet.request", "taster"))
                    .allSatisfy(served -> assertThat(served.parentId()).isEqualTo(match.spanId()));
            assertThat(trace.named("http.request")).as("no client spans without the interceptor").isEmpty();
        }
    }

    @Test
    @Order(11)
    void step10OneTraceAcrossBothServicesAndTheSlowMedian() {
        StepRun run = StepRun.start("10", Steps.undoFor(10));
        try {
            Trace trace = run.pairing(t -> t.root().isPresent() && t.named("servlet.request", "taster").size() == 4);
            assertThat(trace.services()).containsExactlyInAnyOrder("matchmaker", "db", "redis", "taster");
            Span match = only(trace.named("match", "matchmaker"));
            List<Span> calls = trace.named("http.request", "matchmaker");
            assertThat(calls).hasSize(4).allSatisfy(call -> {
                assertThat(call.parentId()).isEqualTo(match.spanId());
                assertThat(trace.childrenOf(call)).singleElement()
                        .satisfies(served -> assertThat(served.service()).isEqualTo("taster"));
            });
            assertThat(overlapping(calls)).as("step 10's taster calls run one after another").isFalse();
            run.warmUp();
            step10 = run;
        } catch (RuntimeException | Error e) {
            run.close();
            throw e;
        }
    }

    @Test
    @Order(12)
    void step11TheTasterCallsOverlapAndThePairingIsMuchFaster() {
        assertThat(step10).as("step 10, still running").isNotNull();
        try (StepRun run = StepRun.start("11", Steps.undoFor(11)); StepRun before = step10) {
            step10 = null;
            assertThat(run.code.resolve("matchmaker-service")).as("step 11's code is main's")
                    .isDirectoryRecursivelyContaining(p -> p.toString().endsWith("PairingService.java"));
            assertThat(Steps.read(run.code.resolve("matchmaker-service/src/main/java/io/donuttracing/matchmaker/pairing/PairingService.java")))
                    .isEqualTo(Steps.read(Repo.ROOT.resolve("matchmaker-service/src/main/java/io/donuttracing/matchmaker/pairing/PairingService.java")));
            Trace trace = run.pairing(t -> t.root().isPresent() && t.named("servlet.request", "taster").size() == 4);
            Span match = only(trace.named("match", "matchmaker"));
            List<Span> calls = trace.named("http.request", "matchmaker");
            assertThat(calls).hasSize(4).allSatisfy(call -> assertThat(call.parentId())
                    .as("the calls' spans stay under match, across threads").isEqualTo(match.spanId()));
            assertThat(overlapping(calls)).as("step 11's taster calls overlap").isTrue();
            assertThat(trace.named("donuts.query")).isEmpty();

            // both running, warmed up, timed call for call (10, 11, 10, 11...): the same conditions for each
            run.warmUp();
            List<Double> before10 = new ArrayList<>();
            List<Double> after11 = new ArrayList<>();
            for (int i = 0; i < TIMED_CALLS; i++) {
                before10.add(before.timeOnePairingMs());
                after11.add(run.timeOnePairingMs());
            }
            double median10 = median(before10);
            double median11 = median(after11);
            System.out.printf("StepsIT: GET %s, %d calls each, alternating:%n  step 10: %s ms%n  step 11: %s ms%n"
                    + "  medians: step 10 %.1f ms, step 11 %.1f ms (%.2fx)%n", PAIR, TIMED_CALLS, format(before10),
                    format(after11), median10, median11, median10 / median11);
            // The step's README says "about 3.5 times faster", measured by ./workshop bench on a quiet machine.
            // Here only the direction and a clear margin are asserted: on a busy CI machine the fixed cost of
            // each call grows and the ratio shrinks (2.78x in one run on a slow day), which says nothing about
            // the code.
            assertThat(median11).as("step 11's median (step 10's: %.1f ms)", median10).isLessThanOrEqualTo(median10 / 2);
        }
    }

    @Test
    @Order(13)
    void step12TheAutoConfigurationAloneTracesAcrossBothServices() {
        List<String> wiring = List.of("matchmaker-service/src/main/java/io/donuttracing/matchmaker/tracing",
                "matchmaker-service/src/test/java/io/donuttracing/matchmaker/tracing",
                "taster-service/src/main/java/io/donuttracing/taster/TracingConfig.java");
        try (StepRun run = StepRun.start("12-implicit", Steps.undoFor(12), code -> wiring.forEach(path -> Steps.deleteRecursively(code.resolve(path))),
                "DD_TRACE_SPRING_AUTOCONFIGURE=true")) {
            assertThat(wiring).allSatisfy(path -> assertThat(run.code.resolve(path)).doesNotExist());
            Trace trace = run.pairing(t -> t.root().isPresent() && t.named("servlet.request", "taster").size() == 4);
            assertThat(trace.services()).containsExactlyInAnyOrder("matchmaker", "db", "redis", "taster");
            assertThat(trace.named("servlet.request", "taster")).allSatisfy(served ->
                    assertThat(trace.parentOf(served).orElseThrow().name()).isEqualTo("http.request"));
            assertThat(trace.named("h2.query", "db")).isNotEmpty();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    static Span only(List<Span> spans) {
        assertThat(spans).hasSize(1);
        return spans.get(0);
    }

    static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    static String format(List<Double> ms) {
        return ms.stream().map(d -> String.format("%.0f", d)).collect(Collectors.joining(" "));
    }

    /** True when the last span starts before the first one ends: they ran at the same time. */
    static boolean overlapping(List<Span> spans) {
        long lastStart = spans.stream().mapToLong(Span::start).max().orElseThrow();
        long firstEnd = spans.stream().mapToLong(Span::end).min().orElseThrow();
        return lastStart < firstEnd;
    }

    /** The files a patch touches, from its {@code diff --git a/... b/...} lines. */
    static List<String> filesOf(Path patch) {
        return Steps.read(patch).lines().filter(l -> l.startsWith("diff --git a/"))
                .map(l -> l.substring("diff --git a/".length(), l.indexOf(" b/"))).toList();
    }

    /** One step's code, built and running; closing it runs {@code ./workshop down}. */
    static final class StepRun implements AutoCloseable {

        final Path code;
        final StepWorkshop workshop;
        final Collector collector;

        private StepRun(Path code, StepWorkshop workshop) {
            this.code = code;
            this.workshop = workshop;
            this.collector = new Collector(workshop.collectorPort);
        }

        static StepRun start(String name, List<Path> undo) {
            return start(name, undo, code -> {
            });
        }

        /** {@code edit} changes the materialized code before the build; {@code env}: extra variables for the workshop. */
        static StepRun start(String name, List<Path> undo, java.util.function.Consumer<Path> edit, String... env) {
            long t0 = System.nanoTime();
            Path code = WORK.resolve(name);
            Steps.materialize(code, undo);
            edit.accept(code);
            long t1 = System.nanoTime();
            build(code);
            long t2 = System.nanoTime();
            StepWorkshop workshop = new StepWorkshop(code, runDir(name), List.of(env));
            StepRun run = new StepRun(code, workshop);
            Steps.Result up = workshop.run("up", "--detach");
            if (up.exitCode() != 0) {
                workshop.run("down");
                throw new AssertionError("./workshop up --detach failed for " + name + ":\n" + up.output());
            }
            assertThat(up.output()).doesNotContain("building");
            keepRedisServer(workshop.runDir);
            long t3 = System.nanoTime();
            TIMINGS.put(name + " materialize+build+up ms", (t1 - t0) / 1_000_000 + (t2 - t1) / 1_000_000 + (t3 - t2) / 1_000_000);
            System.out.printf("StepsIT %s: materialized in %d ms, built in %d ms, up in %d ms%n", name,
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            return run;
        }

        /**
         * The step's own run directory, with the redis-server that the first step's {@code ./workshop up}
         * extracted (a Maven call), so that the others find it there.
         */
        static Path runDir(String name) {
            Path runDir = WORK.resolve(name + "-run");
            Steps.deleteRecursively(runDir);
            try {
                Files.createDirectories(runDir);
                if (Files.isExecutable(REDIS_SERVER)) {
                    Files.createDirectories(runDir.resolve("bin"));
                    Files.copy(REDIS_SERVER, runDir.resolve("bin/redis-server"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return runDir;
        }

        static void keepRedisServer(Path runDir) {
            Path extracted = runDir.resolve("bin/redis-server");
            if (!Files.exists(REDIS_SERVER) && Files.isExecutable(extracted)) {
                try {
                    Files.createDirectories(REDIS_SERVER.getParent());
                    Files.copy(extracted, REDIS_SERVER, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /**
         * Builds the services offline and without tests; a module whose sources match an earlier step's build
         * reuses that jar. The collector's jar is this reactor's (no step changes the collector).
         */
        static void build(Path code) {
            List<String> modules = new ArrayList<>();
            Map<String, String> hashes = new HashMap<>();
            for (String module : List.of("taster-service", "matchmaker-service")) {
                String hash = hash(code.resolve(module)) + hash(code.resolve("tracing-core"));
                hashes.put(module, hash);
                Path built = BUILT.get(module + "@" + hash);
                if (built != null) {
                    copyFresh(built, code.resolve(module + "/target/" + module + ".jar"));
                } else {
                    modules.add(module);
                }
            }
            if (!modules.isEmpty()) {
                Steps.Result result = Steps.run(code, "./mvnw", "-o", "-B", "-q", "package", "-Dmaven.test.skip=true",
                        "-pl", String.join(",", modules), "-am");
                assertThat(result.exitCode()).as("the build of %s (%s):%n%s", code.getFileName(), modules, result.output()).isZero();
                for (String module : modules) {
                    Path jar = code.resolve(module + "/target/" + module + ".jar");
                    touch(jar);
                    BUILT.put(module + "@" + hashes.get(module), jar);
                }
            }
            copyFresh(Repo.jar("agent-collector"), code.resolve("agent-collector/target/agent-collector.jar"));
        }

        private static void copyFresh(Path from, Path to) {
            try {
                Files.createDirectories(to.getParent());
                Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                touch(to);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Newer than every source, so that {@code ./workshop up} does not rebuild it. */
        private static void touch(Path file) {
            try {
                Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String hash(Path dir) {
            try (Stream<Path> files = Files.walk(dir)) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                for (Path file : files.filter(Files::isRegularFile).filter(p -> !dir.relativize(p).startsWith("target"))
                        .sorted().toList()) {
                    digest.update(dir.relativize(file).toString().getBytes());
                    digest.update(Files.readAllBytes(file));
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        HttpResponse<String> get(String path) {
            HttpResponse<String> response = Repo.get(workshop.matchmakerPort, path);
            assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
            return response;
        }

        /** The lines of timing.log (steps 2 to 4 write it in the run directory). */
        List<String> timingLog() {
            Path log = workshop.runDir.resolve("timing.log");
            return Files.exists(log) ? Steps.read(log).lines().toList() : List.of();
        }

        /** Pairs an IPA, and waits until the collector holds its trace in the shape {@code complete} says. */
        Trace pairing(java.util.function.Predicate<Trace> complete) {
            HttpResponse<String> response = get(PAIR);
            assertThat(response.body()).isEqualTo("{\"match\":\"chocolate\"}");
            String traceresponse = response.headers().firstValue("traceresponse").orElseThrow();
            return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> collector.trace(traceresponse).orElse(null), t -> t != null && complete.test(t));
        }

        /**
         * Warms the JVMs up: 4 clients pairing {@value #WARM_UP_CALLS} times each at the same time (the JIT
         * compiles what runs often, sooner with more of it), then 10 pairings one after another.
         */
        void warmUp() {
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> warmUps = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    warmUps.add(clients.submit(() -> {
                        for (int i = 0; i < WARM_UP_CALLS; i++) {
                            get(PAIR);
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> warmUp : warmUps) {
                    warmUp.get(5, java.util.concurrent.TimeUnit.MINUTES);
                }
            } catch (Exception e) {
                throw new AssertionError("warming up " + code.getFileName(), e);
            } finally {
                clients.shutdownNow();
            }
            for (int i = 0; i < 10; i++) {
                get(PAIR);
            }
        }

        double timeOnePairingMs() {
            long t0 = System.nanoTime();
            get(PAIR);
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public void close() {
            Steps.Result down = workshop.run("down");
            assertThat(down.exitCode()).as(down.output()).isZero();
            assertThat(Set.of(workshop.collectorPort, workshop.redisPort, workshop.tasterPort, workshop.matchmakerPort))
                    .noneMatch(Repo::listening);
        }
    }

    /** That step's {@code ./workshop}, on free ports, with its own run directory, the taster seeded. */
    static final class StepWorkshop {

        final Path code;
        final Path runDir;
        final int collectorPort = Repo.freePort();
        final int redisPort = Repo.freePort();
        final int tasterPort = Repo.freePort();
        final int matchmakerPort = Repo.freePort();

        final List<String> extraEnv;

        StepWorkshop(Path code, Path runDir, List<String> extraEnv) {
            this.code = code;
            this.runDir = runDir;
            this.extraEnv = extraEnv;
        }

        Steps.Result run(String... args) {
            List<String> command = new ArrayList<>(List.of(code.resolve("workshop").toString()));
            command.addAll(List.of(args));
            List<String> env = List.of(
                    // the learner's defaults, whatever the environment of the build says
                    "-DD_*", "-REDIS_URL", "-TASTER_URL", "-JAVA_OPTS", "-TASTER_DELAY_MS", "-TASTER_TIMEOUT",
                    "WORKSHOP_RUN_DIR=" + runDir,
                    "DD_APM_RECEIVER_PORT=" + collectorPort,
                    "REDIS_PORT=" + redisPort,
                    "TASTER_PORT=" + tasterPort,
                    "MATCHMAKER_PORT=" + matchmakerPort,
                    "TASTER_SEED=42");
            List<String> all = new ArrayList<>(env);
            all.addAll(extraEnv);
            return Steps.run(code, all, command.toArray(String[]::new));
        }
    }
}
