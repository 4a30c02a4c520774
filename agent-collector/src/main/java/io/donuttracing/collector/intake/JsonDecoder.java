package io.donuttracing.collector.intake;

import io.donuttracing.collector.model.Span;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;

/**
 * Decodes a v0.3/v0.4 JSON body (an array of traces, each an array of span objects) straight into
 * {@link Span}s with Jackson's streaming parser. Ids may be any JSON integer up to 2^64-1; {@code null}
 * means empty; unknown fields are skipped (iteratively; Jackson's nesting limit bounds the depth). What
 * decoding makes is charged to the body's {@link Allowance}, as in {@link MsgpackDecoder}.
 */
public final class JsonDecoder {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private JsonDecoder() {
    }

    /** Decodes a body into at most {@code maxDecodedBytes} of heap. */
    public static List<Span[]> decode(byte[] buf, int len, long maxDecodedBytes) {
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), buf, 0, len)) {
            return traces(p, new Allowance(maxDecodedBytes));
        } catch (JacksonException e) {
            if (!notUtf8(e)) {
                throw new BadPayloadException("json: " + parserMessage(e));
            }
        }
        // Bytes that are not UTF-8: the agent (Go's encoding/json) reads each as U+FFFD rather than refuse the whole
        // body, so read it again through a decoder that replaces them (slower than Jackson's own UTF-8, so not first).
        Reader replacing = new InputStreamReader(new ByteArrayInputStream(buf, 0, len), StandardCharsets.UTF_8);
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), replacing)) {
            return traces(p, new Allowance(maxDecodedBytes));
        } catch (JacksonException e) {
            throw new BadPayloadException("json: " + parserMessage(e));
        }
    }

    private static boolean notUtf8(JacksonException e) {
        return e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Invalid UTF-8");
    }

    private static List<Span[]> traces(JsonParser p, Allowance allowance) {
        try {
            List<Span[]> out = new ArrayList<>();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                return out;
            }
            if (t == null) {
                throw new BadPayloadException("json: the body is empty; send an array of traces ([] for none)");
            }
            expect(p, t, JsonToken.START_ARRAY, "the body must be an array of traces");
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == JsonToken.VALUE_NULL) {
                    continue;
                }
                expect(p, t, JsonToken.START_ARRAY, "a trace must be an array of spans");
                allowance.charge(Allowance.ARRAY + 4); // the trace's array, and its slot in the list
                List<Span> spans = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    expect(p, t, JsonToken.START_OBJECT, "a span must be an object");
                    allowance.charge(Allowance.SPAN + 8); // and its slots in the list and in the array
                    spans.add(span(p, allowance));
                }
                out.add(spans.toArray(new Span[0]));
            }
            if (p.nextToken() != null) {
                throw bad(p, "unexpected content after the trace list");
            }
            return out;
        } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
            throw new BadPayloadException("json: " + m);
        }
    }

    /** Jackson's "(start marker at [Source: REDACTED ...; byte offset: #UNKNOWN])": says nothing to a client. */
    private static final Pattern START_MARKER = Pattern.compile(" ?\\(start marker at \\[[^]]*]\\)");

    /** What the parser could not read, and at which byte, as the decoder's own errors say it. */
    private static String parserMessage(JacksonException e) {
        String m = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getOriginalMessage());
        m = START_MARKER.matcher(m).replaceAll("");
        return e.getLocation() == null ? m : m + at(e.getLocation());
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private static void expect(JsonParser p, JsonToken t, JsonToken want, String what) {
        if (t != want) {
            throw bad(p, what + ", got " + (t == null ? "the end of the body" : t.asString() != null ? t.asString() : t.name()));
        }
    }

    private static BadPayloadException bad(JsonParser p, String reason) {
        return new BadPayloadException("json: " + reason + at(p.currentTokenLocation()));
    }

    /** Where in the body: a byte, or a character when the body is read again, its bytes that are not UTF-8 replaced. */
    private static String at(TokenStreamLocation at) {
        return at.getByteOffset() >= 0 ? " (at byte " + at.getByteOffset() + ")"
                : at.getCharOffset() >= 0 ? " (at character " + at.getCharOffset() + ")" : "";
    }

    private static Span span(JsonParser p, Allowance a) {
        Span s = new Span();
        String field;
        while ((field = p.nextName()) != null) {
            JsonToken t = p.nextToken();
            switch (field) {
                case "service" -> s.service = string(p, t, field, a);
                case "name" -> s.name = string(p, t, field, a);
                case "resource" -> s.resource = string(p, t, field, a);
                case "type" -> s.type = string(p, t, field, a);
                case "trace_id" -> s.traceId = uint64(p, t, field);
                case "span_id" -> s.spanId = uint64(p, t, field);
                case "parent_id" -> s.parentId = uint64(p, t, field);
                case "start" -> s.start = int64(p, t, field);
                case "duration" -> s.duration = int64(p, t, field);
                case "error" -> s.error = int32(p, t, field);
                case "meta" -> s.meta = meta(p, t, a);
                case "metrics" -> metrics(p, t, s, a);
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw bad(p, "a span must be an object");
        }
        return s;
    }

    /**
     * A string value, charged before Jackson makes it: {@code getTextLength} reads it into the parser's buffer only,
     * and the {@code String} (with the builder Jackson makes it in, a copy of the buffer) comes after the charge. A
     * 25 MiB string, charged once made, took some 150 MB of heap per decoder first, and a collector with
     * {@code -Xmx256m} ran out of heap ({@code SmallHeapIT}).
     */
    private static String string(JsonParser p, JsonToken t, String field, Allowance a) {
        if (t == JsonToken.VALUE_NULL) {
            return "";
        }
        if (t != JsonToken.VALUE_STRING) {
            throw bad(p, field + " must be a string");
        }
        a.string(p.getTextLength());
        return Strings.share(p.getString());
    }

    /** An id: a uint64 to the agent, whose JSON decoder refuses a negative number instead of wrapping it. */
    private static long uint64(JsonParser p, JsonToken t, String field) {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw bad(p, field + " must be an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            java.math.BigInteger b = p.getBigIntegerValue();
            if (b.signum() < 0 || b.bitLength() > 64) {
                throw bad(p, field + " must be an unsigned 64-bit integer, got " + b);
            }
            return b.longValue(); // 2^63 to 2^64-1, kept in a long's bits as the other ids are
        }
        long v = p.getLongValue();
        if (v < 0) {
            throw bad(p, field + " must be an unsigned 64-bit integer, got " + v);
        }
        return v;
    }

    /** A start or a duration: an int64 to the agent. */
    private static long int64(JsonParser p, JsonToken t, String field) {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw bad(p, field + " must be a 64-bit integer, got " + p.getText());
        }
        return p.getLongValue();
    }

    /** A span's {@code error}: an int32 to the agent, which refuses a value outside it instead of cutting it. */
    private static int int32(JsonParser p, JsonToken t, String field) {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw bad(p, field + " must be a 32-bit integer, got " + p.getText());
        }
        return p.getIntValue();
    }

    private static String[] meta(JsonParser p, JsonToken t, Allowance a) {
        if (t == JsonToken.VALUE_NULL) {
            return Span.NO_META;
        }
        if (t != JsonToken.START_OBJECT) {
            throw bad(p, "meta must be an object");
        }
        List<String> kv = new ArrayList<>();
        String k;
        while ((k = p.nextName()) != null) {
            a.charge(16); // the pair's slots in the list and in the array
            kv.add(a.string(Strings.share(k)));
            kv.add(string(p, p.nextToken(), "a meta value", a));
        }
        return kv.isEmpty() ? Span.NO_META : kv.toArray(new String[0]);
    }

    private static void metrics(JsonParser p, JsonToken t, Span s, Allowance a) {
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw bad(p, "metrics must be an object");
        }
        List<String> keys = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        String k;
        while ((k = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NULL) {
                continue;
            }
            if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
                throw bad(p, "a metric must be a number");
            }
            a.charge(36); // a boxed double, and the pair's slots in the lists and in the arrays
            keys.add(a.string(Strings.share(k)));
            values.add(p.getDoubleValue());
        }
        if (!keys.isEmpty()) {
            s.metricKeys = keys.toArray(new String[0]);
            s.metricValues = values.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
