package io.donuttracing.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.TestPayloads.S;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The collector as it is run, from its jar, in a small heap ({@code -Xmx256m}, two decoders), while eight
 * tracers at once send it the bodies that cost a collector most: as large as it accepts (25 MiB) and made of
 * the smallest spans (or stats groups) the protocol allows, in each format, or of one string that doubles in
 * the heap, and bodies of many small traces that it keeps. It
 * must refuse what it cannot hold (413, 429) rather than fail (500) or run out of heap, and go on storing a
 * well-behaved tracer's traces afterwards.
 */
class SmallHeapIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final int BODY_BYTES = 25 * 1024 * 1024 - 64;

    static Process collector;
    static int port;
    static Path log;

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path target = Path.of(System.getProperty("collector.jar")).getParent();
        log = Files.createTempFile(target, "small-heap-collector-", ".log");
        collector = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", System.getProperty("collector.jar"), "--server.port=" + port,
                "--server.address=127.0.0.1", "--collector.decoders=2")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> get("/info").statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            collector.destroy();
            collector.waitFor();
        }
    }

    @Test
    void eightTracersSendingTheCostliestBodiesGetRefusalsNeverAnErrorAndTheCollectorKeepsWorking() throws Exception {
        Map<String, byte[]> bodies = Map.of(
                "/v0.5/traces", v05OneTraceOfMinimalSpans(),
                "/v0.4/traces", v04EmptyTraces(),
                "/v0.3/traces", jsonEmptySpans(),
                "/v0.4/traces?wide", v04OneTagOfInvalidUtf8(),
                "/v0.3/traces?wide", jsonOneTag((byte) 'a'),
                "/v0.3/traces?notutf8", jsonOneTag((byte) 0xff),
                "/v0.6/stats", statsGroupsWithoutSummaries(),
                "/v0.5/traces?kept", v05ManyKeptTraces());
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        ExecutorService tracers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                sent.add(tracers.submit(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
                            String path = body.getKey().replaceAll("[?].*", "");
                            String type = path.equals("/v0.3/traces") ? "application/json" : "application/msgpack";
                            HttpResponse<String> r = put(path, type, body.getValue());
                            answers.merge(body.getKey() + " " + r.statusCode(), 1, Integer::sum);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            tracers.shutdownNow();
        }

        assertThat(answers.keySet()).as("%s", answers)
                .allMatch(k -> k.endsWith(" 200") || k.endsWith(" 413") || k.endsWith(" 429"));
        for (String costly : List.of("/v0.5/traces", "/v0.4/traces", "/v0.3/traces", "/v0.4/traces?wide", "/v0.3/traces?wide",
                "/v0.3/traces?notutf8", "/v0.6/stats")) {
            assertThat(answers).as("%s", answers).doesNotContainKey(costly + " 200").containsKey(costly + " 413");
        }
        assertThat(answers).as("%s", answers).containsKey("/v0.5/traces?kept 200");
        assertThat(collector.isAlive()).isTrue();
        assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");

        long id = 0x5ea11eaf;
        assertThat(put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(new S(id, 1, 0).service("after-the-storm").metric("_sampling_priority_v1", 2)))))
                .statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(200);
    }

    /** v0.5: one trace of 13-byte spans, [0,0,0, 1,i,0, 0,0,0, {},{}, 0], as many as fit. */
    static byte[] v05OneTraceOfMinimalSpans() throws IOException {
        int n = (BODY_BYTES - 16) / 13;
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2).packArrayHeader(1).packString("").packArrayHeader(1).packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                p.packArrayHeader(12).packInt(0).packInt(0).packInt(0).packInt(1).packInt(i % 128).packInt(0)
                        .packInt(0).packInt(0).packInt(0).packMapHeader(0).packMapHeader(0).packInt(0);
            }
            return p.toByteArray();
        }
    }

    /** v0.4: one span whose tag is 25 MiB of bytes that are not UTF-8: each becomes U+FFFD, two bytes in the heap. */
    static byte[] v04OneTagOfInvalidUtf8() throws IOException {
        byte[] value = new byte[BODY_BYTES - 256];
        java.util.Arrays.fill(value, (byte) 0xff);
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(1).packArrayHeader(1).packMapHeader(3).packString("trace_id").packInt(7)
                    .packString("span_id").packInt(1).packString("meta").packMapHeader(1).packString("k")
                    .packRawStringHeader(value.length).writePayload(value);
            return p.toByteArray();
        }
    }

    /**
     * JSON: one span whose tag is 25 MiB of one byte: {@code a}, or 0xff, not UTF-8, which the decoder reads again
     * with each replaced by U+FFFD (a two-byte character in the heap, where {@code a} takes one).
     */
    static byte[] jsonOneTag(byte fill) {
        byte[] head = "[[{\"trace_id\":7,\"span_id\":1,\"meta\":{\"k\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}}]]".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[BODY_BYTES - 256];
        java.util.Arrays.fill(body, fill);
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(tail, 0, body, body.length - tail.length, tail.length);
        return body;
    }

    /** /v0.6/stats: one bucket of stats groups that send nil summaries, 26 bytes each. */
    static byte[] statsGroupsWithoutSummaries() throws IOException {
        int n = (BODY_BYTES - 64) / 26;
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("Stats").packArrayHeader(1).packMapHeader(1).packString("Stats")
                    .packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                p.packMapHeader(2).packString("OkSummary").packNil().packString("ErrorSummary").packNil();
            }
            return p.toByteArray();
        }
    }

    /** v0.4: empty traces, one byte each. */
    static byte[] v04EmptyTraces() throws IOException {
        int n = BODY_BYTES - 8;
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                p.packArrayHeader(0);
            }
            return p.toByteArray();
        }
    }

    /** JSON: one trace of empty spans, three bytes each. */
    static byte[] jsonEmptySpans() {
        StringBuilder b = new StringBuilder(BODY_BYTES).append("[[{}");
        while (b.length() < BODY_BYTES - 8) {
            b.append(",{}");
        }
        return b.append("]]").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** v0.5: 2,000 traces of 100 small spans that the sampler keeps, to fill the store as well. */
    static byte[] v05ManyKeptTraces() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2).packArrayHeader(3).packString("").packString("small-spans")
                    .packString("_sampling_priority_v1");
            p.packArrayHeader(2000);
            long base = System.nanoTime() & 0xffffffffL;
            for (int t = 0; t < 2000; t++) {
                p.packArrayHeader(100);
                for (int i = 1; i <= 100; i++) {
                    p.packArrayHeader(12).packInt(1).packInt(1).packInt(1).packLong(base + t).packInt(i)
                            .packInt(i - 1).packLong(System.currentTimeMillis() * 1_000_000L).packInt(1000)
                            .packInt(0).packMapHeader(0);
                    if (i == 1) {
                        p.packMapHeader(1).packInt(2).packDouble(2);
                    } else {
                        p.packMapHeader(0);
                    }
                    p.packInt(0);
                }
            }
            return p.toByteArray();
        }
    }

    static HttpResponse<String> put(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
