package io.donuttracing.collector.intake;

import io.donuttracing.collector.CollectorApplication;
import io.donuttracing.collector.Pipeline;
import io.donuttracing.collector.config.CollectorProperties;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Payload;
import io.donuttracing.collector.model.Span;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The agent's intake endpoints (datadog-agent {@code pkg/trace/api/api.go}, {@code endpoints.go}).
 *
 * <ul>
 *   <li>{@code PUT|POST /v0.3/traces}, {@code /v0.4/traces}: msgpack ({@code application/msgpack}) or JSON
 *       ({@code application/json}, {@code text/json} or no Content-Type); v0.3 answers {@code OK}, v0.4
 *       {@code {"rate_by_service":{...}}};</li>
 *   <li>{@code PUT|POST /v0.5/traces}: msgpack with a string dictionary; answers like v0.4;</li>
 *   <li>{@code PUT|POST /v0.6/stats}: msgpack client stats, merged with the server-side stats (200, empty
 *       body);</li>
 *   <li>{@code GET /info}: what this "agent" serves.</li>
 * </ul>
 * Trace request headers read: {@code Datadog-Meta-Lang}, {@code Datadog-Client-Computed-Top-Level},
 * {@code Datadog-Client-Computed-Stats} (no server-side stats for those spans) and
 * {@code Datadog-Client-Dropped-P0-Traces}/{@code -Spans} (counted, and toward the sampling rates).
 * Every response but {@code /info}'s carries {@code Datadog-Agent-Version} and {@code Datadog-Agent-State}.
 * Errors: 403 for a browser's cross-site request ({@code Sec-Fetch-Site: cross-site}), 400 with the reason
 * when the body cannot be decoded (nothing from it is kept), 413 when it is
 * over {@code collector.max-request-bytes} or would decode into more than its decoder's share of
 * {@code collector.decode-budget}, 408 when it has not arrived within {@code collector.receiver-timeout}, 415 for
 * another media type or a compressed body, 429 when every decoder stayed busy for a second; all as
 * {@code {"error":"...","detail":"..."}}.
 *
 * <p>At most {@code collector.decoders} bodies (one per CPU, as the agent's receiver allows, but at most one
 * per 128 MiB of heap) are read and decoded at once, each up to {@code collector.max-request-bytes} and into
 * at most its share of {@code collector.decode-budget}: that bounds the memory that tracers sending at the
 * same time can take, whatever they send.
 */
@RestController
public class IntakeController {
    private static final Logger log = LoggerFactory.getLogger(IntakeController.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** How long a payload waits for a decoder before it is refused, as in the agent. */
    static final long DECODER_WAIT_MILLIS = 1000;

    private enum Format { MSGPACK, JSON, MSGPACK_V05 }

    private final Pipeline pipeline;
    private final AgentInfo info;
    private final long maxRequestBytes;
    private final Duration receiverTimeout;
    /** The decoders that are free: each a reader with its buffer; taking one is the right to decode a body. */
    private final BlockingQueue<BodyReader> decoders;
    /** The heap one body may decode into: an equal share of the decode budget. */
    private final long maxDecodedBytes;

    public IntakeController(Pipeline pipeline, AgentInfo info, CollectorProperties props) {
        this.pipeline = pipeline;
        this.info = info;
        this.maxRequestBytes = props.getMaxRequestBytes();
        this.receiverTimeout = props.getReceiverTimeout();
        int n = props.getDecoders() > 0 ? props.getDecoders() : defaultDecoders();
        this.decoders = new ArrayBlockingQueue<>(n);
        for (int i = 0; i < n; i++) {
            decoders.add(new BodyReader());
        }
        this.maxDecodedBytes = Math.max(1, CollectorApplication.memoryBudget(props.getDecodeBudget(),
                "COLLECTOR_DECODE_BUDGET") / n);
        log.info("intake: {} decoders, each reads a body of up to {} bytes and decodes it into up to {} bytes",
                n, maxRequestBytes, maxDecodedBytes);
    }

    /**
     * One decoder per CPU, as the agent's receiver allows, but at most one per 128 MiB of heap: each holds a body
     * of up to 25 MiB, and its share of the decode budget (by default a quarter of the heap) stays at 32 MiB,
     * room for more than 10,000 ordinary spans, more than a tracer sends at once.
     */
    private static int defaultDecoders() {
        long perHeap = Runtime.getRuntime().maxMemory() / (128L << 20);
        return (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), perHeap));
    }

    @RequestMapping(path = "/v0.3/traces", method = {RequestMethod.PUT, RequestMethod.POST})
    public void v03(HttpServletRequest req, HttpServletResponse res) throws IOException {
        traces(3, req, res);
    }

    @RequestMapping(path = "/v0.4/traces", method = {RequestMethod.PUT, RequestMethod.POST})
    public void v04(HttpServletRequest req, HttpServletResponse res) throws IOException {
        traces(4, req, res);
    }

    @RequestMapping(path = "/v0.5/traces", method = {RequestMethod.PUT, RequestMethod.POST})
    public void v05(HttpServletRequest req, HttpServletResponse res) throws IOException {
        traces(5, req, res);
    }

    @RequestMapping(path = "/v0.6/stats", method = {RequestMethod.PUT, RequestMethod.POST})
    public void stats(HttpServletRequest req, HttpServletResponse res) throws IOException {
        agentHeaders(res);
        if (crossSite(req, res) || encoded(req, res)) {
            return;
        }
        String mt = mediaType(req);
        if (!mt.isEmpty() && !mt.equals("application/msgpack")) {
            unsupported(res, mt, "/v0.6/stats takes application/msgpack");
            return;
        }
        withDecoder(req, res, reader -> acceptStats(reader, req, res));
    }

    private void acceptStats(BodyReader reader, HttpServletRequest req, HttpServletResponse res) throws IOException {
        BodyReader.Body body = readBody(reader, req, res);
        if (body == null) {
            return;
        }
        ClientStats stats;
        try {
            stats = MsgpackDecoder.decodeClientStats(body.bytes(), body.length(), maxDecodedBytes);
        } catch (BadPayloadException e) {
            refuse(res, e);
            return;
        }
        pipeline.count("client_stats_payloads", 1);
        pipeline.count("client_stats_bytes", body.length());
        pipeline.acceptClientStats(stats);
        res.setStatus(200);
    }

    @GetMapping("/info")
    public void info(HttpServletResponse res) throws IOException {
        byte[] b = info.body();
        res.setStatus(200);
        res.setContentType("application/json");
        res.setContentLength(b.length);
        res.getOutputStream().write(b);
    }

    private void traces(int version, HttpServletRequest req, HttpServletResponse res) throws IOException {
        agentHeaders(res);
        if (crossSite(req, res) || encoded(req, res)) {
            return;
        }
        String mt = mediaType(req);
        Format format;
        if (version == 5) {
            if (!mt.isEmpty() && !mt.equals("application/msgpack")) {
                unsupported(res, mt, "/v0.5/traces takes application/msgpack");
                return;
            }
            format = Format.MSGPACK_V05;
        } else {
            switch (mt) {
                case "application/msgpack" -> format = Format.MSGPACK;
                case "application/json", "text/json", "" -> format = Format.JSON;
                default -> {
                    unsupported(res, mt, "/v0." + version + "/traces takes application/msgpack or application/json");
                    return;
                }
            }
        }
        withDecoder(req, res, reader -> acceptTraces(reader, version, format, req, res));
    }

    private void acceptTraces(BodyReader reader, int version, Format format, HttpServletRequest req,
                              HttpServletResponse res) throws IOException {
        BodyReader.Body body = readBody(reader, req, res);
        if (body == null) {
            return;
        }
        List<Span[]> chunks;
        try {
            chunks = switch (format) {
                case MSGPACK -> MsgpackDecoder.decodeV04(body.bytes(), body.length(), maxDecodedBytes);
                case MSGPACK_V05 -> MsgpackDecoder.decodeV05(body.bytes(), body.length(), maxDecodedBytes);
                case JSON -> JsonDecoder.decode(body.bytes(), body.length(), maxDecodedBytes);
            };
        } catch (BadPayloadException e) {
            if (format == Format.JSON && req.getContentType() == null && !e.tooLarge()) { // msgpack sent bare?
                e = new BadPayloadException(e.getMessage() + "; a body without Content-Type is read as JSON, "
                        + "send msgpack as application/msgpack");
            }
            refuse(res, e);
            return;
        }
        String lang = req.getHeader("Datadog-Meta-Lang");
        pipeline.accept(new Payload(chunks, lang == null ? "" : lang.toLowerCase(Locale.ROOT),
                isSet(req, "Datadog-Client-Computed-Top-Level"), isSet(req, "Datadog-Client-Computed-Stats"),
                count(req, "Datadog-Client-Dropped-P0-Traces"), count(req, "Datadog-Client-Dropped-P0-Spans")));
        res.setStatus(200);
        if (version == 3) {
            write(res, "text/plain;charset=utf-8", "OK\n".getBytes(StandardCharsets.UTF_8));
        } else {
            write(res, "application/json", rateByService(pipeline.rateByService()));
        }
    }

    /**
     * Refuses with 403 a request that a browser sent for a page of another site ({@code Sec-Fetch-Site: cross-site}),
     * as the agent does on its trace endpoints: a page may POST a body without Content-Type to 127.0.0.1 without
     * asking first, and it would be read as JSON or msgpack. Here {@code /v0.6/stats} too. Tracers send no such header.
     */
    private boolean crossSite(HttpServletRequest req, HttpServletResponse res) throws IOException {
        if (!"cross-site".equals(req.getHeader("Sec-Fetch-Site"))) {
            return false;
        }
        pipeline.count("payloads_rejected.cross_site", 1);
        error(res, 403, "forbidden", "cross-site request rejected: a web page of another site may not send here");
        return true;
    }

    /**
     * Refuses with 415 a body sent compressed ({@code Content-Encoding: gzip}, say): the agent reads trace and stats
     * bodies as they come, and a gzip body read as msgpack fails with "expected an array, got integer", which does
     * not say why. {@code Accept-Encoding: identity} says what is taken, as HTTP asks (RFC 9110, 15.5.16).
     */
    private boolean encoded(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String coding = req.getHeader("Content-Encoding");
        coding = coding == null ? "" : coding.trim();
        if (coding.isEmpty() || coding.equalsIgnoreCase("identity")) {
            return false;
        }
        pipeline.count("payloads_rejected.unsupported_media_type", 1);
        res.setHeader("Accept-Encoding", "identity");
        String shown = coding.length() > 100 ? coding.substring(0, 100) + "..." : coding;
        error(res, 415, "unsupported_media_type", "Content-Encoding " + shown
                + " is not read here: send the body uncompressed, as Datadog's tracers send it to their agent");
        return true;
    }

    /**
     * A flag header, read as the agent's {@code isHeaderTrue} reads it: absent or empty is no, and so is a value
     * that Go's {@code strconv.ParseBool} reads as false ({@code 0}, {@code f}, {@code F}, {@code false},
     * {@code False}, {@code FALSE}); any other value is yes ({@code yes}, as dd-trace-py sends, included).
     */
    private static boolean isSet(HttpServletRequest req, String header) {
        String v = req.getHeader(header);
        return v != null && !v.isEmpty() && !FALSE_FLAGS.contains(v);
    }

    private static final Set<String> FALSE_FLAGS = Set.of("0", "f", "F", "false", "False", "FALSE");

    /**
     * A count of dropped traces or spans since the tracer's last request. One request a second of a busy tracer
     * reports thousands; past a million, a header would only skew the sampling rates (a huge one drove a
     * service's rate to zero, and sums overflowed).
     */
    static final long MAX_DROPPED_COUNT = 1_000_000;

    /** A count header; absent, malformed or negative is 0 (never a reason to refuse the traces); at most {@link #MAX_DROPPED_COUNT}. */
    private static long count(HttpServletRequest req, String header) {
        String v = req.getHeader(header);
        if (v == null) {
            return 0;
        }
        try {
            return Math.min(MAX_DROPPED_COUNT, Math.max(0, Long.parseLong(v.trim())));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reading and decoding a body with a decoder's reader, and what follows. */
    private interface Decoding {
        void run(BodyReader reader) throws IOException;
    }

    /**
     * Runs {@code decoding} holding a decoder, or answers without it: 413 at once for a body declared larger
     * than the limit, 429 when no decoder was free within a second. A refused body is left unread: Tomcat
     * discards it (up to {@code server.tomcat.max-swallow-size}) or closes the connection.
     */
    private void withDecoder(HttpServletRequest req, HttpServletResponse res, Decoding decoding) throws IOException {
        if (req.getContentLengthLong() > maxRequestBytes) {
            tooLarge(res);
            return;
        }
        BodyReader reader = null;
        try {
            reader = decoders.poll(DECODER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader == null) {
            pipeline.count("payloads_rejected.too_many_requests", 1);
            error(res, 429, "too_many_requests", "every decoder was busy for " + DECODER_WAIT_MILLIS
                    + " ms; send again later");
            return;
        }
        try {
            decoding.run(reader);
        } finally {
            decoders.add(reader);
        }
    }

    /**
     * Reads the body, or answers and returns null: 413 when it is too large (a chunked body can only be found so
     * here), 408 when it has not arrived within the receiver timeout (the decoder is free again).
     */
    private BodyReader.Body readBody(BodyReader reader, HttpServletRequest req, HttpServletResponse res)
            throws IOException {
        try {
            return reader.read(req.getInputStream(), maxRequestBytes, System.nanoTime() + receiverTimeout.toNanos());
        } catch (BodyReader.TooLargeException e) {
            tooLarge(res);
        } catch (BodyReader.TooSlowException e) {
            timedOut(res);
        } catch (IOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                timedOut(res); // no byte for as long: Tomcat's read timeout (Tomcat answers the 408 itself)
            } else {
                // The client closed the connection before its body ended (a tracer stopped, or gave up on its own
                // timeout): nobody to answer. Counted, not thrown, which logged it as the collector's own failure,
                // "unexpected error" and a stack trace, for every such request.
                pipeline.count("payloads_rejected.client_gone", 1);
                log.debug("a client closed its connection before its body ended: {}", e.toString());
            }
        }
        return null;
    }

    private void timedOut(HttpServletResponse res) throws IOException {
        pipeline.count("payloads_rejected.timeout", 1);
        res.setHeader("Connection", "close");
        error(res, 408, "request_timeout", "the body did not arrive within " + receiverTimeout.toMillis()
                + " ms (the receiver timeout, DD_APM_RECEIVER_TIMEOUT); nothing of it is kept");
    }

    /** A body that was read but is not decoded: nothing from it is kept. */
    private void refuse(HttpServletResponse res, BadPayloadException e) throws IOException {
        if (e.tooLarge()) {
            pipeline.count("payloads_rejected.too_large", 1);
            error(res, 413, "payload_too_large", e.getMessage());
        } else {
            pipeline.count("payloads_rejected.bad_request", 1);
            error(res, 400, "bad_request", e.getMessage());
        }
    }

    private void tooLarge(HttpServletResponse res) throws IOException {
        pipeline.count("payloads_rejected.too_large", 1);
        res.setHeader("Connection", "close");
        error(res, 413, "payload_too_large", "the body is larger than " + maxRequestBytes + " bytes");
    }

    private void unsupported(HttpServletResponse res, String mt, String detail) throws IOException {
        pipeline.count("payloads_rejected.unsupported_media_type", 1);
        error(res, 415, "unsupported_media_type", detail + ", not " + mt);
    }

    private void agentHeaders(HttpServletResponse res) {
        res.setHeader("Datadog-Agent-Version", AgentInfo.VERSION);
        res.setHeader("Datadog-Agent-State", info.state());
    }

    private static String mediaType(HttpServletRequest req) {
        String ct = req.getContentType();
        if (ct == null) {
            return "";
        }
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private static byte[] rateByService(Map<String, Double> rates) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeName("rate_by_service");
            g.writeStartObject();
            for (Map.Entry<String, Double> e : rates.entrySet()) {
                g.writeNumberProperty(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    static void error(HttpServletResponse res, int status, String error, String detail) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("error", error);
            g.writeStringProperty("detail", detail);
            g.writeEndObject();
        }
        res.setStatus(status);
        write(res, "application/json", out.toByteArray());
    }

    private static void write(HttpServletResponse res, String contentType, byte[] b) throws IOException {
        res.setContentType(contentType);
        res.setContentLength(b.length);
        res.getOutputStream().write(b);
    }
}
