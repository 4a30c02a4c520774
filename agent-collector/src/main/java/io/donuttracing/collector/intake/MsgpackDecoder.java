package io.donuttracing.collector.intake;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Span;
import io.donuttracing.collector.processing.Stats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;

/**
 * Decodes the agent's msgpack trace payloads straight into {@link Span}s with msgpack-core's streaming
 * {@link MessageUnpacker}.
 *
 * <p>v0.3/v0.4: an array of traces, each an array of span maps. v0.5: {@code [dictionary, traces]}
 * where each span is a 12-element array whose strings are indexes into the dictionary
 * ({@code [service, name, resource, trace_id, span_id, parent_id, start, duration, error, meta,
 * metrics, type]}), as in datadog-agent {@code pkg/trace/api} and {@code pkg/proto/pbgo/trace/decoder_v05.go}.
 *
 * <p>Accepts every compact integer form, uint64 ids of 2^63 and above (kept as the bit pattern), str or
 * bin strings, nil as the empty value, and skips unknown keys; nothing may follow the payload. It never trusts a length header: no
 * array, map or string is allocated larger than the bytes that are actually left in the body, and
 * skipping nested values is iterative, so deep nesting cannot overflow the stack. Anything malformed
 * throws {@link BadPayloadException}, and the caller then stores nothing from the body. What decoding makes
 * is charged to the body's {@link Allowance}: past it, decoding stops with a {@link BadPayloadException}
 * that is {@link BadPayloadException#tooLarge() too large}.
 *
 * <p>Client stats ({@code /v0.6/stats}): a map of {@code Hostname, Env, Version, Service, Lang,
 * TracerVersion, RuntimeID, Sequence} and {@code Stats}, an array of buckets
 * {@code {Start, Duration, Stats, AgentTimeShift}} whose {@code Stats} are groups {@code {Service, Name,
 * Resource, Type, SpanKind, DBType, HTTPMethod, HTTPEndpoint, HTTPStatusCode, Hits, Errors, TopLevelHits,
 * Duration, OkSummary, ErrorSummary, Synthetics, IsTraceRoot, PeerTags}}, the summaries being DDSketches in
 * their protobuf encoding ({@link SketchDecoder}). Keys are matched exactly, as the agent's msgp decoder
 * does. Their counts, times and durations are unsigned, as to the agent, and at most 2^63-1.
 */
public final class MsgpackDecoder {
    private final MessageUnpacker u;
    private final int length;
    private final Allowance allowance;

    private MsgpackDecoder(byte[] buf, int len, long maxDecodedBytes) {
        this.u = MessagePack.newDefaultUnpacker(buf, 0, len);
        this.length = len;
        this.allowance = new Allowance(maxDecodedBytes);
    }

    /**
     * Decodes a v0.3 or v0.4 body: an array of traces, each an array of span maps, into at most
     * {@code maxDecodedBytes} of heap.
     */
    public static List<Span[]> decodeV04(byte[] buf, int len, long maxDecodedBytes) {
        return decode(buf, len, maxDecodedBytes, d -> d.traces(null));
    }

    /** Decodes a v0.5 body: {@code [dictionary, traces]}, into at most {@code maxDecodedBytes} of heap. */
    public static List<Span[]> decodeV05(byte[] buf, int len, long maxDecodedBytes) {
        return decode(buf, len, maxDecodedBytes, d -> {
            int n = d.arrayHeader();
            if (n != 2) {
                throw d.bad("v0.5: the body must be an array of 2 elements [dictionary, traces], got " + n);
            }
            int dn = d.arrayHeader();
            d.claim(dn, 1, "dictionary");
            d.allowance.refs(dn);
            String[] dict = new String[dn];
            for (int i = 0; i < dn; i++) {
                dict[i] = d.kept();
            }
            return d.traces(dict);
        });
    }

    /**
     * Decodes a {@code /v0.6/stats} body: the agent's {@code ClientStatsPayload} with its msgpack key names
     * ({@code pkg/proto/datadog/trace/stats.proto}). Every sketch is decoded too, so a body that decodes
     * is whole. It takes at most {@code maxDecodedBytes} of heap.
     */
    public static ClientStats decodeClientStats(byte[] buf, int len, long maxDecodedBytes) {
        return decode(buf, len, maxDecodedBytes, MsgpackDecoder::clientStats);
    }

    private interface Body<T> {
        T read(MsgpackDecoder d) throws IOException;
    }

    private static <T> T decode(byte[] buf, int len, long maxDecodedBytes, Body<T> body) {
        if (len == 0) {
            throw new BadPayloadException("msgpack: the body is empty");
        }
        MsgpackDecoder d = new MsgpackDecoder(buf, len, maxDecodedBytes);
        try {
            T decoded = body.read(d);
            if (d.remaining() > 0) { // as JSON: a good payload followed by anything is not a good payload
                int n = d.remaining();
                throw d.bad("msgpack: unexpected content after the payload, " + n + (n == 1 ? " byte" : " bytes"));
            }
            return decoded;
        } catch (BadPayloadException e) {
            throw e;
        } catch (MessageInsufficientBufferException e) {
            throw d.bad("msgpack: the body ends in the middle of a value");
        } catch (IOException | MessagePackException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw d.bad("msgpack: " + describe(e));
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private BadPayloadException bad(String reason) {
        return new BadPayloadException(reason + " (at byte " + u.getTotalReadBytes() + ")");
    }

    private int remaining() {
        return length - (int) u.getTotalReadBytes();
    }

    /**
     * The fewest bytes a span or a stats group that means anything can take (a span needs its ids, a group its
     * names and counts). Counted against what a list claims, this refuses a length header that the body cannot
     * hold before its array is allocated; what decoding then makes is bounded by the {@link Allowance}.
     */
    static final int MIN_ELEMENT_BYTES = 8;

    /** Refuses a count that the remaining bytes cannot possibly hold (each element needs minBytes). */
    private void claim(int n, int minBytes, String what) {
        if (n < 0 || (long) n * minBytes > remaining()) {
            throw bad(what + " claims " + Integer.toUnsignedString(n) + " elements but only " + remaining()
                    + " bytes are left");
        }
    }

    private List<Span[]> traces(String[] dict) throws IOException {
        int nTraces = arrayHeader();
        claim(nTraces, 1, "the trace list");
        List<Span[]> out = new ArrayList<>(Math.min(nTraces, 1024));
        for (int t = 0; t < nTraces; t++) {
            int nSpans = arrayHeader();
            claim(nSpans, MIN_ELEMENT_BYTES, "trace " + t);
            allowance.charge(Allowance.ARRAY + 4 + 4L * nSpans); // the trace's array, and its slot in the list
            Span[] spans = new Span[nSpans];
            int k = 0;
            for (int s = 0; s < nSpans; s++) {
                if (u.tryUnpackNil()) {
                    continue;
                }
                spans[k++] = dict == null ? spanMap() : spanArray(dict);
            }
            out.add(k == nSpans ? spans : java.util.Arrays.copyOf(spans, k));
        }
        return out;
    }

    private Span spanMap() throws IOException {
        int n = mapHeader("a span"); // a nil span never gets here: traces() skips it
        allowance.charge(Allowance.SPAN);
        Span span = new Span();
        for (int i = 0; i < n; i++) {
            String key = string();
            switch (key) {
                case "service" -> span.service = kept();
                case "name" -> span.name = kept();
                case "resource" -> span.resource = kept();
                case "type" -> span.type = kept();
                case "trace_id" -> span.traceId = uint64(key);
                case "span_id" -> span.spanId = uint64(key);
                case "parent_id" -> span.parentId = uint64(key);
                case "start" -> span.start = uint64(key);
                case "duration" -> span.duration = uint64(key);
                case "error" -> span.error = int32(key);
                case "meta" -> span.meta = meta(null);
                case "metrics" -> metrics(span, null);
                default -> u.skipValue();
            }
        }
        return span;
    }

    private Span spanArray(String[] dict) throws IOException {
        MessageFormat f = u.getNextFormat();
        if (f.getValueType() != org.msgpack.value.ValueType.ARRAY) {
            throw bad("v0.5: a span must be an array, got " + typeName(f));
        }
        int n = u.unpackArrayHeader();
        if (n != 12) {
            throw bad("v0.5: a span must be an array of 12 elements, got " + Integer.toUnsignedString(n));
        }
        allowance.charge(Allowance.SPAN);
        Span span = new Span();
        span.service = ref(dict);
        span.name = ref(dict);
        span.resource = ref(dict);
        span.traceId = uint64("trace_id");
        span.spanId = uint64("span_id");
        span.parentId = uint64("parent_id");
        span.start = uint64("start");
        span.duration = uint64("duration");
        span.error = int32("error");
        span.meta = meta(dict);
        metrics(span, dict);
        span.type = ref(dict);
        return span;
    }

    private String ref(String[] dict) throws IOException {
        long i = uint64("string index");
        if (i < 0 || i >= dict.length) {
            throw bad("v0.5: string index " + Long.toUnsignedString(i) + " is outside the dictionary of "
                    + dict.length);
        }
        return dict[(int) i];
    }

    private String[] meta(String[] dict) throws IOException {
        int n = mapHeader("meta");
        if (n == 0) {
            return Span.NO_META;
        }
        allowance.refs(2L * n);
        String[] m = new String[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            m[i] = dict == null ? kept() : ref(dict);
        }
        return m;
    }

    private void metrics(Span span, String[] dict) throws IOException {
        int n = mapHeader("metrics");
        if (n == 0) {
            return;
        }
        allowance.refs(n);
        allowance.doubles(n);
        String[] keys = new String[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            keys[i] = dict == null ? kept() : ref(dict);
            values[i] = float64();
        }
        span.metricKeys = keys;
        span.metricValues = values;
    }

    private ClientStats clientStats() throws IOException {
        int n = mapHeader("the stats payload");
        String lang = "";
        List<ClientStats.Group> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = string();
            switch (key) {
                case "Lang" -> lang = kept();
                // not part of a stats key here: checked, then let go
                case "Hostname", "Env", "Version", "Service", "TracerVersion", "RuntimeID" -> string();
                case "Sequence" -> count(key);
                case "Stats" -> {
                    int nBuckets = arrayHeader();
                    claim(nBuckets, 1, "Stats");
                    for (int b = 0; b < nBuckets; b++) {
                        bucket(groups);
                    }
                }
                default -> u.skipValue();
            }
        }
        return new ClientStats(lang, groups);
    }

    /** One {@code ClientStatsBucket}: its groups are added to {@code out}, with the bucket's start. */
    private void bucket(List<ClientStats.Group> out) throws IOException {
        int n = mapHeader("a stats bucket");
        long start = 0;
        int first = out.size();
        for (int i = 0; i < n; i++) {
            String key = string();
            switch (key) {
                case "Start" -> start = count(key);
                case "Duration" -> count(key);
                case "AgentTimeShift" -> uint64(key); // an int64 to the agent
                case "Stats" -> {
                    int nGroups = arrayHeader();
                    claim(nGroups, MIN_ELEMENT_BYTES, "a bucket's Stats");
                    for (int g = 0; g < nGroups; g++) {
                        out.add(group());
                    }
                }
                default -> u.skipValue();
            }
        }
        for (int i = first; i < out.size(); i++) {
            out.get(i).start = start;
        }
    }

    /** One {@code ClientGroupedStats}. */
    private ClientStats.Group group() throws IOException {
        int n = mapHeader("a stats group");
        allowance.group();
        ClientStats.Group g = new ClientStats.Group(); // its sketches are made when it sends them
        for (int i = 0; i < n; i++) {
            String key = string();
            switch (key) {
                case "Service" -> g.service = kept();
                case "Name" -> g.name = kept();
                case "Resource" -> g.resource = kept();
                case "Type" -> g.type = kept();
                case "SpanKind" -> g.spanKind = kept();
                case "HTTPStatusCode" -> g.httpStatus = uint32(key);
                case "IsTraceRoot" -> g.root = uint64(key) == 1;
                case "Hits" -> g.hits = count(key);
                case "Errors" -> g.errors = count(key);
                case "TopLevelHits" -> g.topLevelHits = count(key);
                case "Duration" -> g.duration = count(key);
                case "OkSummary" -> g.okSummary = sketch(key);
                case "ErrorSummary" -> g.errorSummary = sketch(key);
                // not part of a stats key here: checked, then let go
                case "DBType", "HTTPMethod", "HTTPEndpoint" -> string();
                case "Synthetics" -> bool(key);
                case "PeerTags" -> {
                    int nTags = arrayHeader();
                    claim(nTags, 1, "PeerTags");
                    for (int t = 0; t < nTags; t++) {
                        string();
                    }
                }
                default -> u.skipValue();
            }
        }
        return g;
    }

    /**
     * A bin (or str) value holding a DDSketch in its protobuf encoding, as a latency sketch of the collector's
     * mapping: sparse, so that it costs what the payload's bins cost. Nil is {@link ClientStats#NO_SUMMARY}.
     */
    private DDSketch sketch(String field) throws IOException {
        MessageFormat f = u.getNextFormat();
        int n;
        switch (f.getValueType()) {
            case NIL -> {
                u.unpackNil();
                return ClientStats.NO_SUMMARY;
            }
            case BINARY -> n = u.unpackBinaryHeader();
            case STRING -> n = u.unpackRawStringHeader();
            default -> throw bad(field + " must be bin (a serialized DDSketch), got " + typeName(f));
        }
        if (n < 0 || n > remaining()) {
            throw bad(field + " claims " + Integer.toUnsignedString(n) + " bytes but only " + remaining()
                    + " are left");
        }
        long at = u.getTotalReadBytes();
        allowance.sketch(n);
        DDSketch target = new DDSketch(Stats.MAPPING, SparseStore::new);
        MessageBuffer ref = u.readPayloadAsReference(n);
        try {
            if (ref.hasArray()) {
                SketchDecoder.addTo(target, ref.array(), ref.arrayOffset(), n);
            } else {
                SketchDecoder.addTo(target, ref.toByteArray(), 0, n);
            }
        } catch (BadPayloadException e) {
            throw new BadPayloadException(field + " (a DDSketch at byte " + at + "): " + e.getMessage());
        }
        return target;
    }

    private void bool(String field) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case NIL -> u.unpackNil();
            case BOOLEAN -> u.unpackBoolean();
            default -> throw bad(field + " must be a boolean, got " + typeName(f));
        }
    }

    /** A map's size (nil is an empty map); {@code what} names it in errors. */
    private int mapHeader(String what) throws IOException {
        if (u.tryUnpackNil()) {
            return 0;
        }
        MessageFormat f = u.getNextFormat();
        if (f.getValueType() != org.msgpack.value.ValueType.MAP) {
            throw bad(what + " must be a map, got " + typeName(f));
        }
        int n = u.unpackMapHeader();
        claim(n, 2, what);
        return n;
    }

    private int arrayHeader() throws IOException {
        if (u.tryUnpackNil()) {
            return 0;
        }
        MessageFormat f = u.getNextFormat();
        if (f.getValueType() != org.msgpack.value.ValueType.ARRAY) {
            throw bad("expected an array, got " + typeName(f));
        }
        return u.unpackArrayHeader();
    }

    /** A str, bin or nil value as a (shared) string: a key, or a value that is checked and let go. */
    private String string() throws IOException {
        return string(false);
    }

    /** A string that decoding keeps (a span's or a group's), charged to the allowance before it is made. */
    private String kept() throws IOException {
        return string(true);
    }

    private String string(boolean kept) throws IOException {
        MessageFormat f = u.getNextFormat();
        int n;
        switch (f.getValueType()) {
            case NIL -> {
                u.unpackNil();
                return "";
            }
            case STRING -> n = u.unpackRawStringHeader();
            case BINARY -> n = u.unpackBinaryHeader();
            default -> throw bad("expected a string, got " + typeName(f));
        }
        if (n < 0 || n > remaining()) {
            throw bad("a string claims " + Integer.toUnsignedString(n) + " bytes but only " + remaining()
                    + " are left");
        }
        if (n == 0) {
            return "";
        }
        if (kept) {
            allowance.string(n); // n UTF-8 bytes make n characters at most
        }
        MessageBuffer ref = u.readPayloadAsReference(n);
        if (ref.hasArray()) {
            return Strings.utf8(ref.array(), ref.arrayOffset(), n);
        }
        byte[] b = ref.toByteArray();
        return Strings.utf8(b, 0, b.length);
    }

    /** Any integer form (or nil = 0) as the bit pattern of a 64-bit value; uint64 >= 2^63 included. */
    private long uint64(String field) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case NIL -> {
                u.unpackNil();
                return 0;
            }
            case INTEGER -> {
                if (f == MessageFormat.UINT64) {
                    return u.unpackBigInteger().longValue();
                }
                return u.unpackLong();
            }
            default -> throw bad(field + " must be an integer, got " + typeName(f));
        }
    }

    /**
     * A span's {@code error}: an int32 to the agent, whose decoder refuses a value outside it (a uint32 too, past
     * 2^31-1), instead of cutting it to one that may be 0, no error.
     */
    private int int32(String field) throws IOException {
        boolean uint64 = u.getNextFormat() == MessageFormat.UINT64;
        long v = uint64(field);
        if ((uint64 && v < 0) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw bad(field + " must be a 32-bit integer, got " + (uint64 ? Long.toUnsignedString(v) : v));
        }
        return (int) v;
    }

    /**
     * A count, time or duration of the stats payload: a uint64 to the agent, whose decoder
     * fails on a negative integer. Nil is 0. Above 2^63-1 is refused too: added to the stats it would lower them.
     */
    private long count(String field) throws IOException {
        MessageFormat f = u.getNextFormat();
        if (f == MessageFormat.UINT64) {
            java.math.BigInteger v = u.unpackBigInteger();
            if (v.bitLength() > 63) {
                throw bad(field + " is out of range: " + v + " is over " + Long.MAX_VALUE);
            }
            return v.longValue();
        }
        long v = uint64(field);
        if (v < 0) {
            throw bad(field + " must not be negative, got " + v);
        }
        return v;
    }

    /** HTTPStatusCode: a uint32 to the agent, which refuses a larger one. */
    private long uint32(String field) throws IOException {
        long v = count(field);
        if (v > 0xFFFF_FFFFL) {
            throw bad(field + " is out of range: " + v + " is over " + 0xFFFF_FFFFL);
        }
        return v;
    }

    private double float64() throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case NIL -> {
                u.unpackNil();
                return 0;
            }
            case FLOAT -> {
                return u.unpackDouble();
            }
            case INTEGER -> {
                if (f == MessageFormat.UINT64) {
                    return u.unpackBigInteger().doubleValue();
                }
                return u.unpackLong();
            }
            default -> throw bad("a metric must be a number, got " + typeName(f));
        }
    }

    private static String typeName(MessageFormat f) {
        return f.getValueType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
