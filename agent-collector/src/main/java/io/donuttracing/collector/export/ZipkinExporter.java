package io.donuttracing.collector.export;

import io.donuttracing.collector.model.Span;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Forwards kept spans to a Zipkin server as Zipkin v2 JSON ({@code POST /api/v2/spans}).
 *
 * <p>As a tracer's reporter does (OpenTelemetry's {@code BatchSpanProcessor}, Brave's
 * {@code AsyncReporter}): the intake thread only puts spans into a bounded queue, and drops and counts
 * them when it is full; one worker thread sends batches. Failed batches are dropped and counted, never
 * retried forever.
 *
 * <p>Mapping: ids as 16 lower-hex digits; Zipkin's {@code name} is the Datadog resource (what a person
 * looks for), the Datadog operation name and type go to the tags {@code dd.name} and {@code dd.type};
 * {@code span.kind} becomes the Zipkin kind; times in microseconds; meta and metrics become tags; an
 * error span gets the tag {@code error} (its {@code error.msg}, or "true").
 */
public final class ZipkinExporter implements Exporter {
    private static final Logger log = LoggerFactory.getLogger(ZipkinExporter.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final URI uri;
    private final BlockingQueue<Span> queue;
    private final int batchSpans;
    private final Duration timeout;
    private final HttpClient http;
    private final Thread worker;
    private volatile boolean closed;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    public ZipkinExporter(String url, int queueSpans, int batchSpans, Duration timeout) {
        this.uri = URI.create(url);
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueSpans));
        this.batchSpans = Math.max(1, batchSpans);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.worker = new Thread(this::run, "zipkin-exporter");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    @Override
    public void offer(List<Span[]> traces) {
        for (Span[] t : traces) {
            for (Span s : t) {
                if (queue.offer(s)) {
                    queued.incrementAndGet();
                } else {
                    dropped.incrementAndGet();
                }
            }
        }
    }

    private void run() {
        List<Span> batch = new ArrayList<>(batchSpans);
        while (!closed || !queue.isEmpty()) {
            try {
                Span first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchSpans - 1);
                send(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException e) {
                failed.addAndGet(batch.size());
                log.warn("zipkin export failed: {}", e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<Span> batch) throws InterruptedException {
        byte[] body = encode(batch);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        requests.incrementAndGet();
        try {
            HttpResponse<Void> res = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (res.statusCode() / 100 == 2) {
                exported.addAndGet(batch.size());
            } else {
                failed.addAndGet(batch.size());
                log.warn("zipkin answered {} to {} spans", res.statusCode(), batch.size());
            }
        } catch (java.io.IOException e) {
            failed.addAndGet(batch.size());
            log.warn("zipkin export to {} failed: {}", uri, e.toString());
        }
    }

    /** The Zipkin v2 JSON of these spans. */
    public static byte[] encode(List<Span> spans) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(spans.size() * 400);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartArray();
            for (Span s : spans) {
                g.writeStartObject();
                g.writeStringProperty("traceId", hex(s.traceId));
                g.writeStringProperty("id", hex(s.spanId));
                if (s.parentId != 0) {
                    g.writeStringProperty("parentId", hex(s.parentId));
                }
                String kind = s.meta("span.kind");
                if (kind != null) {
                    switch (kind) {
                        case "server", "client", "producer", "consumer" ->
                                g.writeStringProperty("kind", kind.toUpperCase(Locale.ROOT));
                        default -> {
                        }
                    }
                }
                g.writeStringProperty("name", s.resource);
                g.writeNumberProperty("timestamp", s.start / 1000);
                g.writeNumberProperty("duration", Math.max(1, s.duration / 1000));
                g.writeName("localEndpoint");
                g.writeStartObject();
                g.writeStringProperty("serviceName", s.service);
                g.writeEndObject();
                g.writeName("tags");
                g.writeStartObject();
                java.util.Set<String> written = new java.util.HashSet<>();
                written.add("dd.name");
                written.add("dd.type");
                written.add("error");
                g.writeStringProperty("dd.name", s.name);
                if (!s.type.isEmpty()) {
                    g.writeStringProperty("dd.type", s.type);
                }
                for (int i = 0; i < s.meta.length; i += 2) {
                    if (written.add(s.meta[i])) {
                        g.writeStringProperty(s.meta[i], s.meta[i + 1]);
                    }
                }
                for (int i = 0; i < s.metricKeys.length; i++) {
                    if (!written.add(s.metricKeys[i])) {
                        continue;
                    }
                    double v = s.metricValues[i];
                    g.writeStringProperty(s.metricKeys[i], v == Math.rint(v) && Math.abs(v) < 1e15
                            ? Long.toString((long) v) : Double.toString(v));
                }
                if (s.error != 0) {
                    String msg = s.meta("error.msg");
                    g.writeStringProperty("error", msg == null || msg.isEmpty() ? "true" : msg);
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        return out.toByteArray();
    }

    static String hex(long id) {
        String h = Long.toHexString(id);
        return "0000000000000000".substring(h.length()) + h;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("spans_queued", queued.get());
        m.put("spans_dropped_queue_full", dropped.get());
        m.put("spans_exported", exported.get());
        m.put("spans_failed", failed.get());
        m.put("requests", requests.get());
        m.put("queue_size", (long) queue.size());
        return m;
    }

    @Override
    public void close() {
        closed = true;
        try {
            worker.join(timeout.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
    }
}
