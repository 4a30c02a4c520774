package io.donuttracing.collector.model;

/**
 * One span as the collector keeps it: primitive fields, shared (interned) strings, tags in flat arrays.
 *
 * <p>This is the whole memory cost of a stored span, so it is deliberately plain: no maps, no boxing.
 * {@code meta} holds string tags as {@code key0, value0, key1, value1, ...}; numeric tags are
 * {@code metricKeys[i] -> metricValues[i]}. Ids are unsigned 64-bit values kept in a {@code long}'s bit
 * pattern (use {@link Long#toUnsignedString(long)} to show them).
 *
 * <p>Fields are mutable only while a payload is being processed (decode, normalise, obfuscate) on one
 * thread; once a span is handed to the store it is never changed again and is safely published by the
 * store's lock.
 */
public final class Span {
    public static final String[] NO_META = new String[0];
    public static final String[] NO_METRIC_KEYS = new String[0];
    public static final double[] NO_METRIC_VALUES = new double[0];

    /** {@link #flags} bit: a top-level span (root, or its parent belongs to another service). */
    public static final int TOP_LEVEL = 1;
    /** {@link #flags} bit: the client asked for stats on this span ({@code _dd.measured = 1}). */
    public static final int MEASURED = 2;

    public long traceId;
    public long spanId;
    public long parentId;
    /** Nanoseconds since the epoch. */
    public long start;
    /** Nanoseconds. */
    public long duration;
    public String service = "";
    public String name = "";
    public String resource = "";
    public String type = "";
    public int error;
    public int flags;
    public String[] meta = NO_META;
    public String[] metricKeys = NO_METRIC_KEYS;
    public double[] metricValues = NO_METRIC_VALUES;

    public long end() {
        return start + duration;
    }

    public boolean isTopLevel() {
        return (flags & TOP_LEVEL) != 0;
    }

    /** The value of a string tag, or null. */
    public String meta(String key) {
        String[] m = meta;
        for (int i = 0; i < m.length; i += 2) {
            if (m[i].equals(key)) {
                return m[i + 1];
            }
        }
        return null;
    }

    /** Sets (or adds) a string tag. */
    public void putMeta(String key, String value) {
        String[] m = meta;
        for (int i = 0; i < m.length; i += 2) {
            if (m[i].equals(key)) {
                m[i + 1] = value;
                return;
            }
        }
        String[] n = java.util.Arrays.copyOf(m, m.length + 2);
        n[m.length] = key;
        n[m.length + 1] = value;
        meta = n;
    }

    /** Removes a string tag if present. */
    public void removeMeta(String key) {
        String[] m = meta;
        for (int i = 0; i < m.length; i += 2) {
            if (m[i].equals(key)) {
                String[] n = new String[m.length - 2];
                System.arraycopy(m, 0, n, 0, i);
                System.arraycopy(m, i + 2, n, i, m.length - i - 2);
                meta = n;
                return;
            }
        }
    }

    /** The value of a numeric tag, or NaN. */
    public double metric(String key) {
        String[] k = metricKeys;
        for (int i = 0; i < k.length; i++) {
            if (k[i].equals(key)) {
                return metricValues[i];
            }
        }
        return Double.NaN;
    }
}
