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
 *   <li>service: empty becomes {@code unnamed-<lang>-service}; cut at 100; normalised as a tag value
 *       (lower case, letters, digits and {@code _ : . / -}; unlike a whole tag it may start with a digit, so
 *       {@code 127.0.0.1} stays as it is);</li>
 *   <li>name: empty becomes {@code unnamed_operation}; cut at 100; letters, digits, {@code .} and
 *       {@code _} only;</li>
 *   <li>resource: empty becomes the name; cut at 5000. type: cut at 100;</li>
 *   <li>a span whose parent id is its own id and the trace's gets parent 0: it is a root;</li>
 *   <li>a negative duration, or one that overflows start + duration, becomes 0; a start before 2000
 *       becomes now - duration;</li>
 *   <li>the {@code env} tag is normalised as a tag value, as a service is ({@code Prod} becomes {@code prod});</li>
 *   <li>{@code http.status_code} that is not an integer in [100, 600) is removed; tag keys (string and
 *       numeric) are cut at 200 and values at 25000, with {@code ...} after the cut.</li>
 *   <li>every cut counts bytes of UTF-8, never cuts a character in two (the agent's {@code TruncateUTF8}).</li>
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
    /** Characters a tag value is read to (the agent's {@code maxTagLength}), and at most twice that in bytes. */
    static final int MAX_TAG_LEN = 200;
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
        s.service = service(s.service, lang);
        s.name = operationName(s.name);
        s.resource = resource(s.resource, s.name);
        if (s.parentId == s.traceId && s.parentId == s.spanId) {
            s.parentId = 0; // a root that names itself as its parent (some OpenTracing bridges)
        }
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
        for (int i = 0; i < m.length; i++) { // keys and values, as the agent's truncator: cut, and "..." says so
            m[i] = cutMarked(m[i], i % 2 == 0 ? MAX_META_KEY_LEN : MAX_META_VALUE_LEN);
        }
        String[] k = s.metricKeys;
        for (int i = 0; i < k.length; i++) {
            k[i] = cutMarked(k[i], MAX_META_KEY_LEN);
        }
        s.keepLastOfRepeatedKeys(); // after the cuts: two long keys may now be one
        String env = s.meta("env");
        if (env != null && !env.isEmpty()) {
            s.putMeta("env", Strings.share(normalizeTagValue(env)));
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

    /**
     * Cut, normalised as a tag value (the agent's {@code NormalizeService}); empty, or nothing left, becomes
     * {@code unnamed-<lang>-service}.
     */
    public static String service(String service, String lang) {
        String s = normalizeTagValue(truncate(service, MAX_SERVICE_LEN));
        if (s.isEmpty()) {
            String l = lang == null ? "" : normalizeTagValue(truncate(lang, MAX_SERVICE_LEN));
            s = l.isEmpty() ? "unnamed-service" : "unnamed-" + l + "-service";
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

    /**
     * As the agent's {@code isValidStatusCode}, {@code strconv.ParseUint(sc, 10, 64)} then the range: decimal digits
     * only (no sign, no space), leading zeros allowed ({@code 0200} is 200).
     */
    static boolean isValidStatusCode(String v) {
        int from = 0;
        while (from < v.length() - 1 && v.charAt(from) == '0') {
            from++;
        }
        if (v.isEmpty() || v.length() - from > 3) {
            return false;
        }
        int code = 0;
        for (int i = from; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            code = code * 10 + (c - '0');
        }
        return isValidStatusCode(code);
    }

    /**
     * The longest start of {@code s} that takes at most {@code maxBytes} in UTF-8, a character never cut in two:
     * the agent's {@code TruncateUTF8}, whose limits count bytes ({@code é} is two, {@code 🍩} four).
     */
    static String truncate(String s, int maxBytes) {
        if (s.length() <= maxBytes / 3) {
            return s; // a char is at most 3 bytes (a surrogate pair, two chars, is 4)
        }
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            bytes += utf8Length(c);
            if (bytes > maxBytes) {
                return s.substring(0, i);
            }
            i += Character.charCount(c);
        }
        return s;
    }

    /** {@link #truncate}, and {@code ...} after a cut, as the agent marks cut tags. */
    private static String cutMarked(String s, int maxBytes) {
        String cut = truncate(s, maxBytes);
        return cut == s ? s : cut + "...";
    }

    /**
     * Datadog's normalisation of a tag value (the agent's {@code NormalizeTagValue}), used for services and env:
     * upper-case letters become lower case; letters, digits, {@code :}, {@code .}, {@code /} and {@code -} stay;
     * every run of other characters ({@code _} included) becomes one {@code _}, and one at the end is dropped.
     * Unlike a whole tag ({@code key:value}), a value may start with a digit or an {@code _}. Only the first 200
     * characters are read (and at most 400 bytes of them), as the agent reads them. Returns {@code s} itself
     * when already valid.
     */
    public static String normalizeTagValue(String s) {
        if (s.length() <= MAX_TAG_LEN && isNormalTagValue(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 2 * MAX_TAG_LEN));
        boolean inRun = false; // the last character written is the '_' of a run of other characters
        int read = 0;
        int bytesRead = 0;
        for (int i = 0; i < s.length() && read < MAX_TAG_LEN && bytesRead < 2 * MAX_TAG_LEN; read++) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            bytesRead += utf8Length(c);
            int lower = Character.toLowerCase(c);
            // as the agent: upper case only (not title case), and in place in the UTF-8 bytes, so of the same length
            if (Character.isUpperCase(c) && utf8Length(lower) == utf8Length(c)) {
                c = lower;
            }
            if (Character.isLetter(c) || Character.isDigit(c) || c == ':' || c == '.' || c == '/' || c == '-') {
                b.appendCodePoint(c);
                inRun = false;
            } else if (!inRun) {
                b.append('_');
                inRun = true;
            }
        }
        if (inRun) {
            b.setLength(b.length() - 1);
        }
        return b.toString();
    }

    private static int utf8Length(int codePoint) {
        return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    }

    /** Whether {@code s} is ASCII that {@link #normalizeTagValue} would leave as it is. */
    private static boolean isNormalTagValue(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '_') { // only between two other characters that are kept
                if (i + 1 == n || !isTagValueChar(s.charAt(i + 1))) {
                    return false;
                }
            } else if (!isTagValueChar(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isTagValueChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '.' || c == '/' || c == '-';
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
