package io.donuttracing.collector;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** Builds agent payloads with msgpack-core's packer, as a tracer would. */
public final class TestPayloads {
    private TestPayloads() {
    }

    /** A span to encode; null strings are written as msgpack nil. */
    public static final class S {
        public long traceId;
        public long spanId;
        public long parentId;
        public String service = "svc";
        public String name = "op";
        public String resource = "res";
        public String type = "web";
        public long start = System.currentTimeMillis() * 1_000_000L;
        public long duration = 1_000_000;
        public int error;
        public Map<String, String> meta = new LinkedHashMap<>();
        public Map<String, Double> metrics = new LinkedHashMap<>();

        public S(long traceId, long spanId, long parentId) {
            this.traceId = traceId;
            this.spanId = spanId;
            this.parentId = parentId;
        }

        public S service(String v) {
            service = v;
            return this;
        }

        public S name(String v) {
            name = v;
            return this;
        }

        public S resource(String v) {
            resource = v;
            return this;
        }

        public S type(String v) {
            type = v;
            return this;
        }

        public S start(long v) {
            start = v;
            return this;
        }

        public S duration(long v) {
            duration = v;
            return this;
        }

        public S error(int v) {
            error = v;
            return this;
        }

        public S meta(String k, String v) {
            meta.put(k, v);
            return this;
        }

        public S metric(String k, double v) {
            metrics.put(k, v);
            return this;
        }
    }

    /** An unsigned 64-bit id written in the smallest form, as msgpack-core (and tracers) do. */
    static void packId(MessageBufferPacker p, long id) throws IOException {
        if (id < 0) {
            p.packBigInteger(new BigInteger(Long.toUnsignedString(id)));
        } else {
            p.packLong(id);
        }
    }

    static void packStr(MessageBufferPacker p, String s) throws IOException {
        if (s == null) {
            p.packNil();
        } else {
            p.packString(s);
        }
    }

    /** v0.4 msgpack: an array of traces, each an array of span maps. */
    public static byte[] v04(List<List<S>> traces) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(traces.size());
            for (List<S> t : traces) {
                p.packArrayHeader(t.size());
                for (S s : t) {
                    p.packMapHeader(12);
                    p.packString("service");
                    packStr(p, s.service);
                    p.packString("name");
                    packStr(p, s.name);
                    p.packString("resource");
                    packStr(p, s.resource);
                    p.packString("type");
                    packStr(p, s.type);
                    p.packString("trace_id");
                    packId(p, s.traceId);
                    p.packString("span_id");
                    packId(p, s.spanId);
                    p.packString("parent_id");
                    packId(p, s.parentId);
                    p.packString("start");
                    p.packLong(s.start);
                    p.packString("duration");
                    p.packLong(s.duration);
                    p.packString("error");
                    p.packInt(s.error);
                    p.packString("meta");
                    p.packMapHeader(s.meta.size());
                    for (Map.Entry<String, String> e : s.meta.entrySet()) {
                        p.packString(e.getKey());
                        packStr(p, e.getValue());
                    }
                    p.packString("metrics");
                    p.packMapHeader(s.metrics.size());
                    for (Map.Entry<String, Double> e : s.metrics.entrySet()) {
                        p.packString(e.getKey());
                        p.packDouble(e.getValue());
                    }
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** v0.5 msgpack: {@code [dictionary, traces]} with 12-element span arrays. */
    public static byte[] v05(List<List<S>> traces) {
        List<String> dict = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        java.util.function.Function<String, Integer> ref = s -> index.computeIfAbsent(s == null ? "" : s, k -> {
            dict.add(k);
            return dict.size() - 1;
        });
        ref.apply("");
        for (List<S> t : traces) {
            for (S s : t) {
                ref.apply(s.service);
                ref.apply(s.name);
                ref.apply(s.resource);
                ref.apply(s.type);
                s.meta.forEach((k, v) -> {
                    ref.apply(k);
                    ref.apply(v);
                });
                s.metrics.keySet().forEach(ref::apply);
            }
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2);
            p.packArrayHeader(dict.size());
            for (String d : dict) {
                p.packString(d);
            }
            p.packArrayHeader(traces.size());
            for (List<S> t : traces) {
                p.packArrayHeader(t.size());
                for (S s : t) {
                    p.packArrayHeader(12);
                    p.packInt(ref.apply(s.service));
                    p.packInt(ref.apply(s.name));
                    p.packInt(ref.apply(s.resource));
                    packId(p, s.traceId);
                    packId(p, s.spanId);
                    packId(p, s.parentId);
                    p.packLong(s.start);
                    p.packLong(s.duration);
                    p.packInt(s.error);
                    p.packMapHeader(s.meta.size());
                    for (Map.Entry<String, String> e : s.meta.entrySet()) {
                        p.packInt(ref.apply(e.getKey()));
                        p.packInt(ref.apply(e.getValue()));
                    }
                    p.packMapHeader(s.metrics.size());
                    for (Map.Entry<String, Double> e : s.metrics.entrySet()) {
                        p.packInt(ref.apply(e.getKey()));
                        p.packDouble(e.getValue());
                    }
                    p.packInt(ref.apply(s.type));
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One group of client stats to encode (a {@code ClientGroupedStats}), filled from span durations as a
     * tracer does; null strings are written as msgpack nil.
     */
    public static final class G {
        public String service = "svc";
        public String name = "op";
        public String resource = "res";
        public String type = "web";
        public String spanKind = "server";
        public long httpStatusCode = 200;
        /** 0 unknown, 1 true, 2 false. */
        public int isTraceRoot = 1;
        public boolean topLevel = true;
        public long hits;
        public long errors;
        public long duration;
        public final DDSketch ok = DDSketches.unboundedDense(0.01);
        public final DDSketch error = DDSketches.unboundedDense(0.01);
        /** When set, sent as {@code OkSummary} instead of {@link #ok}'s encoding. */
        public byte[] okSummaryBytes;

        public G service(String v) {
            service = v;
            return this;
        }

        public G name(String v) {
            name = v;
            return this;
        }

        public G resource(String v) {
            resource = v;
            return this;
        }

        public G type(String v) {
            type = v;
            return this;
        }

        public G kind(String v) {
            spanKind = v;
            return this;
        }

        public G status(long v) {
            httpStatusCode = v;
            return this;
        }

        /** A child span of its trace, not top-level (e.g. a client call within the service). */
        public G child() {
            isTraceRoot = 2;
            topLevel = false;
            return this;
        }

        /** Spans without an error, of these durations (ns). */
        public G ok(long... durations) {
            for (long d : durations) {
                hits++;
                duration += d;
                ok.accept(d);
            }
            return this;
        }

        /** Spans with an error, of these durations (ns). */
        public G error(long... durations) {
            for (long d : durations) {
                hits++;
                errors++;
                duration += d;
                error.accept(d);
            }
            return this;
        }
    }

    /** A DDSketch in its protobuf encoding, as a tracer sends it. */
    public static byte[] sketch(DDSketch sketch) {
        java.nio.ByteBuffer b = sketch.serialize();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A {@code /v0.6/stats} body (ClientStatsPayload): one 10 s bucket starting at {@code start} with these groups. */
    public static byte[] clientStats(String lang, long start, List<G> groups) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(9);
            p.packString("Hostname").packString("test-host");
            p.packString("Env").packString("test");
            p.packString("Version").packString("1.0");
            p.packString("Service").packString(groups.isEmpty() ? "" : groups.get(0).service);
            p.packString("Lang").packString(lang);
            p.packString("TracerVersion").packString("0.1.0");
            p.packString("RuntimeID").packString("6f1c2a1e-0000-4000-8000-000000000001");
            p.packString("Sequence").packLong(1);
            p.packString("Stats").packArrayHeader(1);
            p.packMapHeader(4);
            p.packString("Start").packLong(start);
            p.packString("Duration").packLong(10_000_000_000L);
            p.packString("Stats").packArrayHeader(groups.size());
            for (G g : groups) {
                p.packMapHeader(18);
                p.packString("Service");
                packStr(p, g.service);
                p.packString("Name");
                packStr(p, g.name);
                p.packString("Resource");
                packStr(p, g.resource);
                p.packString("Type");
                packStr(p, g.type);
                p.packString("SpanKind");
                packStr(p, g.spanKind);
                p.packString("DBType").packString("");
                p.packString("HTTPMethod").packString("GET");
                p.packString("HTTPEndpoint").packString("");
                p.packString("HTTPStatusCode").packLong(g.httpStatusCode);
                p.packString("Hits").packLong(g.hits);
                p.packString("Errors").packLong(g.errors);
                p.packString("TopLevelHits").packLong(g.topLevel ? g.hits : 0);
                p.packString("Duration").packLong(g.duration);
                byte[] ok = g.okSummaryBytes != null ? g.okSummaryBytes : sketch(g.ok);
                p.packString("OkSummary").packBinaryHeader(ok.length).writePayload(ok);
                byte[] error = sketch(g.error);
                p.packString("ErrorSummary").packBinaryHeader(error.length).writePayload(error);
                p.packString("Synthetics").packBoolean(false);
                p.packString("IsTraceRoot").packInt(g.isTraceRoot);
                p.packString("PeerTags").packArrayHeader(1).packString("peer.service:none");
            }
            p.packString("AgentTimeShift").packLong(0);
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** v0.3/v0.4 JSON. */
    public static byte[] json(List<List<S>> traces) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < traces.size(); i++) {
            b.append(i > 0 ? "," : "").append('[');
            List<S> t = traces.get(i);
            for (int j = 0; j < t.size(); j++) {
                S s = t.get(j);
                b.append(j > 0 ? "," : "").append('{');
                b.append("\"trace_id\":").append(Long.toUnsignedString(s.traceId));
                b.append(",\"span_id\":").append(Long.toUnsignedString(s.spanId));
                b.append(",\"parent_id\":").append(Long.toUnsignedString(s.parentId));
                b.append(",\"service\":").append(q(s.service));
                b.append(",\"name\":").append(q(s.name));
                b.append(",\"resource\":").append(q(s.resource));
                b.append(",\"type\":").append(q(s.type));
                b.append(",\"start\":").append(s.start);
                b.append(",\"duration\":").append(s.duration);
                b.append(",\"error\":").append(s.error);
                b.append(",\"meta\":{");
                int k = 0;
                for (Map.Entry<String, String> e : s.meta.entrySet()) {
                    b.append(k++ > 0 ? "," : "").append(q(e.getKey())).append(':').append(q(e.getValue()));
                }
                b.append("},\"metrics\":{");
                k = 0;
                for (Map.Entry<String, Double> e : s.metrics.entrySet()) {
                    b.append(k++ > 0 ? "," : "").append(q(e.getKey())).append(':').append(e.getValue());
                }
                b.append("}}");
            }
            b.append(']');
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    public static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
