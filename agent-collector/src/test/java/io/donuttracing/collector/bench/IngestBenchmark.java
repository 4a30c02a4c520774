package io.donuttracing.collector.bench;

import io.donuttracing.collector.export.ZipkinExporter;
import io.donuttracing.collector.export.ZipkinServer;
import io.donuttracing.collector.model.Span;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Ingest rate and heap per stored span: the collector ({@code PUT /v0.4/traces}, msgpack) against
 * Zipkin's own server with in-memory storage ({@code POST /api/v2/spans}, Zipkin v2 JSON), with the
 * same spans, in the same run, on the same machine.
 *
 * <p>Both servers run as child processes with the same heap limit and the same span budget (100,000).
 * Payloads hold 1,000 spans (100 traces of 10 spans); 4 senders send them as fast as the server
 * answers. Heap per span: after a full GC, (heap used with 100,000 more spans stored - heap used before)
 * / 100,000, read with {@code jcmd GC.heap_info}. Throughput: each server is warmed up, then measured in
 * alternating runs (A B A B ...), and every run is reported.
 *
 * <p>Run: {@code ./mvnw -B -pl agent-collector -Pbenchmarks verify} (or with
 * {@code -Dbenchmark.args="--warmup=60 --run=20 --rounds=2"}).
 */
public final class IngestBenchmark {
    private static final int SPANS_PER_TRACE = 10;

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : argv) {
            for (String part : s.trim().split("\\s+")) {
                if (part.startsWith("--") && part.contains("=")) {
                    a.put(part.substring(2, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
                }
            }
        }
        Path collectorJar = Path.of(a.getOrDefault("collector-jar", "target/agent-collector.jar"));
        Path zipkinJar = Path.of(a.getOrDefault("zipkin-jar", "target/zipkin/zipkin-server-exec.jar"));
        Path out = Path.of(a.getOrDefault("out", "target/benchmark-results.md"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "60"));
        int run = Integer.parseInt(a.getOrDefault("run", "20"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        int senders = Integer.parseInt(a.getOrDefault("senders", "4"));
        int spansPerPayload = Integer.parseInt(a.getOrDefault("spans-per-payload", "1000"));
        String heap = a.getOrDefault("heap", "1g");
        int budget = 100_000;

        System.out.println("generating payloads...");
        int payloadCount = (int) Math.ceil(1.5 * budget / spansPerPayload) + 10;
        Random rnd = new Random(2017);
        List<byte[]> msgpack = new ArrayList<>();
        List<byte[]> zipkinJson = new ArrayList<>();
        long msgpackBytes = 0;
        long jsonBytes = 0;
        for (int i = 0; i < payloadCount; i++) {
            List<Span> spans = spans(rnd, spansPerPayload);
            byte[] m = v04(spans);
            byte[] j = ZipkinExporter.encode(spans);
            msgpack.add(m);
            zipkinJson.add(j);
            msgpackBytes += m.length;
            jsonBytes += j.length;
        }
        System.out.printf(Locale.ROOT, "%d payloads of %d spans: msgpack %.0f KB, Zipkin JSON %.0f KB each%n",
                payloadCount, spansPerPayload, msgpackBytes / 1024.0 / payloadCount, jsonBytes / 1024.0 / payloadCount);

        Path logDir = out.toAbsolutePath().getParent();
        Files.createDirectories(logDir);
        int collectorPort = ZipkinServer.freePort();
        ProcessBuilder cpb = new ProcessBuilder(javaBin(), "-Xmx" + heap, "-jar", collectorJar.toString(),
                "--collector.span-budget=" + budget)
                .redirectErrorStream(true).redirectOutput(logDir.resolve("benchmark-collector.log").toFile());
        cpb.environment().put("DD_APM_RECEIVER_PORT", Integer.toString(collectorPort));
        Process collector = cpb.start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Target collectorT = new Target("agent-collector", collector.pid(),
                URI.create("http://127.0.0.1:" + collectorPort + "/v0.4/traces"), "PUT", "application/msgpack", msgpack, 200);
        try (ZipkinServer zipkin = ZipkinServer.start(zipkinJar, heap, logDir.resolve("benchmark-zipkin.log"),
                "MEM_MAX_SPANS", Integer.toString(budget))) {
            waitUp(http, URI.create("http://127.0.0.1:" + collectorPort + "/info"), collector);
            Target zipkinT = new Target("zipkin-server 3.6.1", zipkin.pid(), URI.create(zipkin.url("/api/v2/spans")),
                    "POST", "application/json", zipkinJson, 202);

            // heap per stored span, on fresh servers
            long[] mem = new long[2];
            Target[] targets = {collectorT, zipkinT};
            for (int t = 0; t < 2; t++) {
                Target tg = targets[t];
                for (int i = 0; i < 5; i++) {
                    tg.send(http, payloadCount - 1 - i); // first requests: lazy initialisation, not span cost
                }
                long before = heapUsedAfterGc(tg.pid);
                for (int i = 0; i < budget / spansPerPayload; i++) {
                    tg.send(http, i);
                }
                long after = heapUsedAfterGc(tg.pid);
                mem[t] = (after - before) / (budget / spansPerPayload * (long) spansPerPayload);
                System.out.printf(Locale.ROOT, "%s: heap used %d MB -> %d MB with 100,000 spans stored: %d B/span%n",
                        tg.name, before >> 20, after >> 20, mem[t]);
            }

            // throughput: warm up each, then A B A B
            for (Target tg : targets) {
                System.out.printf("warming up %s for %d s...%n", tg.name, warmup);
                tg.load(http, senders, warmup);
            }
            List<double[]> runs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] row = new double[2];
                for (int t = 0; t < 2; t++) {
                    row[t] = targets[t].load(http, senders, run);
                    System.out.printf(Locale.ROOT, "round %d %s: %.0f spans/s%n", r + 1, targets[t].name, row[t]);
                }
                runs.add(row);
            }
            String report = report(runs, mem, senders, spansPerPayload, warmup, run, heap, msgpackBytes / payloadCount,
                    jsonBytes / payloadCount);
            String stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + collectorPort + "/api/stats"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            report += "\nagent-collector /api/stats at the end: " + stats + "\n";
            Files.writeString(out, report);
            System.out.println();
            System.out.println(report);
            System.out.println("written to " + out);
        } finally {
            collector.destroy();
            collector.waitFor();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void waitUp(HttpClient http, URI info, Process p) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the collector exited with " + p.exitValue());
            }
            try {
                if (http.send(HttpRequest.newBuilder(info).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.onSpinWait();
            Thread.sleep(200); // a benchmark's poll loop, not a test
        }
        throw new IllegalStateException("the collector did not start");
    }

    /** A server under load. */
    private static final class Target {
        final String name;
        final long pid;
        final URI uri;
        final String method;
        final String type;
        final List<byte[]> payloads;
        final int okStatus;

        Target(String name, long pid, URI uri, String method, String type, List<byte[]> payloads, int okStatus) {
            this.name = name;
            this.pid = pid;
            this.uri = uri;
            this.method = method;
            this.type = type;
            this.payloads = payloads;
            this.okStatus = okStatus;
        }

        void send(HttpClient http, int i) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", type)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(payloads.get(i % payloads.size()))).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != okStatus) {
                throw new IllegalStateException(name + " answered " + r.statusCode() + ": " + r.body());
            }
        }

        /** Sends from {@code senders} threads for {@code seconds}; returns spans per second. */
        double load(HttpClient http, int senders, int seconds) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicInteger next = new AtomicInteger();
            AtomicLong errors = new AtomicLong();
            Thread[] threads = new Thread[senders];
            long start = System.nanoTime();
            for (int t = 0; t < senders; t++) {
                threads[t] = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            send(http, next.getAndIncrement());
                            done.incrementAndGet();
                        } catch (Exception e) {
                            if (errors.incrementAndGet() < 5) {
                                System.err.println(name + ": " + e);
                            }
                        }
                    }
                }, "sender-" + t);
                threads[t].start();
            }
            Thread.sleep(seconds * 1000L); // the measuring window of a benchmark, not a test wait
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (errors.get() > 0) {
                // A server that failed a request (zipkin-server has answered 500 "Java heap space" here) may
                // go on answering without storing: its figures would not be comparable.
                throw new IllegalStateException(name + ": " + errors.get() + " failed requests; this run is not valid");
            }
            return done.get() * (double) payloadSpans / elapsed;
        }
    }

    private static volatile int payloadSpans = 1000;

    private static long heapUsedAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read jcmd GC.heap_info: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String outText;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            outText = String.join("\n", r.lines().toList());
        }
        p.waitFor();
        return outText;
    }

    /** Realistic spans: 100 traces of 10 spans over three services, a few tags each. */
    static List<Span> spans(Random rnd, int n) {
        payloadSpans = n;
        String[] routes = {"GET /pair/beer", "GET /beers", "GET /donuts", "GET /beers/{name}", "GET /donuts/{name}", "GET /ping"};
        String[] sql = {"SELECT * FROM beer WHERE name = ?", "SELECT * FROM donut", "SELECT * FROM donut WHERE name = ?",
            "SELECT id, name FROM beer"};
        String[] beers = {"ipa", "lager", "pilsner", "stout"};
        long now = System.currentTimeMillis() * 1_000_000L;
        List<Span> out = new ArrayList<>(n);
        while (out.size() < n) {
            long traceId = rnd.nextLong();
            long rootId = rnd.nextLong();
            long t0 = now - rnd.nextInt(1_000_000) * 1000L;
            String route = routes[rnd.nextInt(routes.length)];
            Span root = span(traceId, rootId, 0, "matchmaker", "servlet.request", route, "web", t0,
                    150_000_000L + rnd.nextInt(100_000_000));
            String beer = beers[rnd.nextInt(beers.length)];
            root.meta = new String[] {"http.method", "GET", "http.url", "http://localhost:5000" + route.substring(4).replace("{name}", beer),
                "http.status_code", "200", "span.kind", "server", "component", "servlet", "env", "workshop"};
            root.metricKeys = new String[] {"_sampling_priority_v1", "_dd.agent_psr"};
            root.metricValues = new double[] {1, 1};
            if (rnd.nextInt(50) == 0) {
                root.error = 1;
                root.meta = Arrays.copyOf(root.meta, root.meta.length + 4);
                root.meta[12] = "error.type";
                root.meta[13] = "java.net.SocketTimeoutException";
                root.meta[14] = "error.msg";
                root.meta[15] = "Read timed out";
            }
            out.add(root);
            for (int i = 1; i < SPANS_PER_TRACE && out.size() < n; i++) {
                long start = t0 + i * 15_000_000L;
                Span s;
                if (i <= 3) {
                    s = span(traceId, rnd.nextLong(), rootId, "matchmaker", "h2.query", sql[rnd.nextInt(sql.length)], "sql",
                            start, 1_000_000 + rnd.nextInt(3_000_000));
                    s.meta = new String[] {"span.kind", "client", "db.type", "h2", "component", "jdbc"};
                } else if (i == 4) {
                    s = span(traceId, rnd.nextLong(), rootId, "redis", "redis.command", "GET", "redis", start,
                            200_000 + rnd.nextInt(800_000));
                    s.meta = new String[] {"span.kind", "client", "redis.raw_command", "GET optimal_sugar_level_for_hops_" + (4 + rnd.nextInt(5)),
                        "out.host", "127.0.0.1"};
                } else if (i % 2 == 1) {
                    s = span(traceId, rnd.nextLong(), rootId, "matchmaker", "http.request", "GET /taste", "http", start,
                            40_000_000 + rnd.nextInt(5_000_000));
                    s.meta = new String[] {"span.kind", "client", "http.method", "GET", "http.url",
                        "http://localhost:5001/taste?beer=" + beer + "&donut=jelly", "http.status_code", "200"};
                } else {
                    Span parent = out.get(out.size() - 1);
                    s = span(traceId, rnd.nextLong(), parent.spanId, "taster", "servlet.request", "GET /taste", "web",
                            start + 500_000, 38_000_000 + rnd.nextInt(4_000_000));
                    s.meta = new String[] {"span.kind", "server", "http.method", "GET", "http.status_code", "200",
                        "component", "servlet"};
                    s.metricKeys = new String[] {"_sampling_priority_v1"};
                    s.metricValues = new double[] {1};
                }
                out.add(s);
            }
        }
        return out;
    }

    private static Span span(long traceId, long spanId, long parentId, String service, String name, String resource,
                             String type, long start, long duration) {
        Span s = new Span();
        s.traceId = traceId;
        s.spanId = spanId == 0 ? 1 : spanId;
        s.parentId = parentId;
        s.service = service;
        s.name = name;
        s.resource = resource;
        s.type = type;
        s.start = start;
        s.duration = duration;
        return s;
    }

    /** The spans as a v0.4 msgpack payload, one chunk per trace. */
    static byte[] v04(List<Span> spans) throws IOException {
        Map<Long, List<Span>> byTrace = new java.util.LinkedHashMap<>();
        for (Span s : spans) {
            byTrace.computeIfAbsent(s.traceId, k -> new ArrayList<>()).add(s);
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(byTrace.size());
            for (List<Span> t : byTrace.values()) {
                p.packArrayHeader(t.size());
                for (Span s : t) {
                    p.packMapHeader(12);
                    p.packString("service").packString(s.service);
                    p.packString("name").packString(s.name);
                    p.packString("resource").packString(s.resource);
                    p.packString("type").packString(s.type);
                    p.packString("trace_id");
                    id(p, s.traceId);
                    p.packString("span_id");
                    id(p, s.spanId);
                    p.packString("parent_id");
                    id(p, s.parentId);
                    p.packString("start").packLong(s.start);
                    p.packString("duration").packLong(s.duration);
                    p.packString("error").packInt(s.error);
                    p.packString("meta").packMapHeader(s.meta.length / 2);
                    for (String m : s.meta) {
                        p.packString(m);
                    }
                    p.packString("metrics").packMapHeader(s.metricKeys.length);
                    for (int i = 0; i < s.metricKeys.length; i++) {
                        p.packString(s.metricKeys[i]).packDouble(s.metricValues[i]);
                    }
                }
            }
            return p.toByteArray();
        }
    }

    private static void id(MessageBufferPacker p, long id) throws IOException {
        if (id < 0) {
            p.packBigInteger(new BigInteger(Long.toUnsignedString(id)));
        } else {
            p.packLong(id);
        }
    }

    private static String report(List<double[]> runs, long[] mem, int senders, int spansPerPayload, int warmup,
                                 int run, String heap, long msgpackSize, long jsonSize) throws Exception {
        StringBuilder b = new StringBuilder();
        b.append("Ingest benchmark, ").append(Instant.now()).append('\n');
        b.append("machine: ").append(shell("nproc")).append(" cores, ")
                .append(shell("lscpu | grep 'Model name' | sed 's/Model name: *//'")).append("; ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append('\n');
        b.append(String.format(Locale.ROOT, "%d senders, payloads of %d spans (msgpack %d KB, Zipkin JSON %d KB), "
                        + "both servers -Xmx%s with a 100,000-span budget, %d s warm-up each, %d s runs A B A B%n%n",
                senders, spansPerPayload, msgpackSize / 1024, jsonSize / 1024, heap, warmup, run));
        b.append("| run | agent-collector spans/s | zipkin-server spans/s | ratio |\n|---|---:|---:|---:|\n");
        double sa = 0;
        double sb = 0;
        for (int i = 0; i < runs.size(); i++) {
            double[] r = runs.get(i);
            sa += r[0];
            sb += r[1];
            b.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f× |%n", i + 1, r[0], r[1], r[0] / r[1]));
        }
        b.append(String.format(Locale.ROOT, "| mean | %,.0f | %,.0f | %.2f× |%n%n", sa / runs.size(), sb / runs.size(),
                sa / sb));
        b.append("| heap per stored span (100,000 spans, after GC) | agent-collector | zipkin-server | ratio |\n|---|---:|---:|---:|\n");
        b.append(String.format(Locale.ROOT, "| bytes/span | %,d | %,d | %.2f |%n", mem[0], mem[1], mem[0] / (double) mem[1]));
        return b.toString();
    }

    private static String shell(String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return s;
    }
}
