package io.donuttracing.collector.processing;

import io.donuttracing.collector.intake.Strings;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Span;

/**
 * The agent's normalisation ({@code pkg/trace/agent/normalizer.go}, {@code traceutil/normalize.go}),
 * applied to every chunk before anything else looks at it.
 *
 * <ul>
 *   <li>a chunk with a span whose trace id or span id is 0, or with a span of another trace than its
 *       first span's, is dropped whole (as the agent does);</li>
 *   <li>service: empty becomes {@code unnamed-<lang>-service}; cut at 100; normalised as a tag
 *       (lower case, letters, digits and {@code _ : . / -}, starting with a letter);</li>
 *   <li>name: empty becomes {@code unnamed_operation}; cut at 100; letters, digits, {@code .} and
 *       {@code _} only;</li>
 *   <li>resource: empty becomes the name; cut at 5000. type: cut at 100;</li>
 *   <li>a negative duration, or one that overflows start + duration, becomes 0; a start before 2000
 *       becomes now - duration;</li>
 *   <li>{@code http.status_code} that is not an integer in [100, 600) is removed; meta keys are cut at
 *       200 characters and values at 25000.</li>
 * </ul>
 * Groups of client stats get the same service, name, resource, type and status code rules (the agent's
 * {@code normalizeStatsGroup}).
 */
public final class Normalizer {
    public static final int MAX_SERVICE_LEN = 100;
    public static final int MAX_NAME_LEN = 100;
    public static final int MAX_TYPE_LEN = 100;
    public static final int MAX_RESOURCE_LEN = 5000;
    public static final int MAX_META_KEY_LEN = 200;
    public static final int MAX_META_VALUE_LEN = 25000;
    public static final String DEFAULT_NAME = "unnamed_operation";
    static final long YEAR_2000_NANOS = 946_684_800_000_000_000L;

    /** Why a chunk was dropped; the names are the counters' keys in {@code /api/stats}. */
    public enum Drop {
        EMPTY_TRACE("empty_trace"), TRACE_ID_ZERO("trace_id_zero"), SPAN_ID_ZERO("span_id_zero"),
        FOREIGN_SPAN("foreign_span");

        public final String key;

        Drop(String key) {
            this.key = key;
        }
    }

    /**
     * Normalises a chunk in place.
     *
     * @return null when the chunk is kept, otherwise why it must be dropped
     */
    public Drop normalize(Span[] chunk, String lang, long nowNanos) {
        if (chunk.length == 0) {
            return Drop.EMPTY_TRACE;
        }
        long traceId = chunk[0].traceId;
        for (Span s : chunk) {
            if (s.traceId == 0) {
                return Drop.TRACE_ID_ZERO;
            }
            if (s.spanId == 0) {
                return Drop.SPAN_ID_ZERO;
            }
            if (s.traceId != traceId) {
                return Drop.FOREIGN_SPAN;
            }
        }
        for (Span s : chunk) {
            normalize(s, lang, nowNanos);
        }
        return null;
    }

    /** Normalises one span's fields in place. */
    public void normalize(Span s, String lang, long nowNanos) {
        s.keepLastOfRepeatedKeys();
        s.service = service(s.service, lang);
        s.name = operationName(s.name);
        s.resource = resource(s.resource, s.name);
        s.type = type(s.type);
        if (s.duration < 0 || (s.start > 0 && s.start + s.duration < 0)) {
            s.duration = 0;
        }
        if (s.start < YEAR_2000_NANOS) {
            s.start = nowNanos - s.duration;
            if (s.start < 0) {
                s.start = nowNanos;
            }
        }
        String[] m = s.meta;
        for (int i = 0; i < m.length; i += 2) {
            if (m[i].length() > MAX_META_KEY_LEN) {
                m[i] = m[i].substring(0, MAX_META_KEY_LEN);
            }
            if (m[i + 1].length() > MAX_META_VALUE_LEN) {
                m[i + 1] = m[i + 1].substring(0, MAX_META_VALUE_LEN);
            }
        }
        String status = s.meta("http.status_code");
        if (status != null && !isValidStatusCode(status)) {
            s.removeMeta("http.status_code");
        }
    }

    /**
     * Normalises a group of client stats in place, as its spans would have been, so that it lands in the same
     * stats group as the spans the tracer did send.
     */
    public void normalize(ClientStats.Group g, String lang) {
        g.service = service(g.service, lang);
        g.name = operationName(g.name);
        g.resource = resource(g.resource, g.name);
        g.type = type(g.type);
        if (!isValidStatusCode(g.httpStatus)) {
            g.httpStatus = 0;
        }
    }

    /** Cut, normalised as a tag; empty becomes {@code unnamed-<lang>-service}. */
    public static String service(String service, String lang) {
        String s = normalizeTag(truncate(service, MAX_SERVICE_LEN));
        if (s.isEmpty()) {
            s = lang == null || lang.isEmpty() ? "unnamed-service" : "unnamed-" + normalizeTag(lang) + "-service";
        }
        return Strings.share(s);
    }

    /** Cut, normalised as an operation name; empty becomes {@link #DEFAULT_NAME}. */
    public static String operationName(String name) {
        String n = normalizeName(truncate(name, MAX_NAME_LEN));
        return n.isEmpty() ? DEFAULT_NAME : Strings.share(n);
    }

    /** Cut; empty becomes the (normalised) operation name. */
    public static String resource(String resource, String name) {
        return resource.isEmpty() ? name : truncate(resource, MAX_RESOURCE_LEN);
    }

    public static String type(String type) {
        return truncate(type, MAX_TYPE_LEN);
    }

    static boolean isValidStatusCode(long code) {
        return code >= 100 && code < 600;
    }

    static boolean isValidStatusCode(String v) {
        if (v.isEmpty() || v.length() > 3) {
            return false;
        }
        int code = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            code = code * 10 + (c - '0');
        }
        return isValidStatusCode(code);
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** Datadog's tag normalisation, used for service names. Returns {@code s} itself when already valid. */
    public static String normalizeTag(String s) {
        if (isNormalTag(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        boolean lastUnderscore = false;
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            if (b.length() == 0 && !Character.isLetter(c)) {
                continue; // must start with a letter
            }
            if (Character.isLetterOrDigit(c) || c == ':' || c == '.' || c == '/' || c == '-') {
                b.append(c);
                lastUnderscore = false;
            } else if (!lastUnderscore) {
                b.append('_');
                lastUnderscore = true;
            }
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == '_') {
            end--;
        }
        return b.substring(0, end);
    }

    private static boolean isNormalTag(String s) {
        int n = s.length();
        if (n == 0) {
            return true;
        }
        char prev = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == ':' || c == '.'
                    || c == '/' || c == '-' || (c == '_' && prev != '_')));
            if (!ok) {
                return false;
            }
            prev = c;
        }
        return prev != '_';
    }

    /** Datadog's operation-name normalisation. Returns {@code s} itself when already valid. */
    public static String normalizeName(String s) {
        int n = s.length();
        boolean valid = n > 0 && Character.isLetter(s.charAt(0)) && s.charAt(n - 1) != '_';
        for (int i = 0; valid && i < n; i++) {
            char c = s.charAt(i);
            valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || (c == '_' && s.charAt(i - 1) != '_');
        }
        if (valid) {
            return s;
        }
        StringBuilder b = new StringBuilder(n);
        boolean lastUnderscore = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (b.length() == 0 && !alpha) {
                continue;
            }
            if (alpha || (c >= '0' && c <= '9') || c == '.') {
                b.append(c);
                lastUnderscore = false;
            } else if (!lastUnderscore) {
                b.append('_');
                lastUnderscore = true;
            }
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == '_') {
            end--;
        }
        return b.substring(0, end);
    }
}
