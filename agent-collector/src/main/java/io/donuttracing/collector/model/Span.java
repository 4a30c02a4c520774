package io.donuttracing.collector.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /**
     * Roughly the heap this span holds: the object, its arrays, and the strings that are its own
     * ({@link #ownBytes}: SQL, URLs, stack traces, a tracer's oversized tags).
     */
    public long approximateBytes() {
        long n = 96 + 8L * (meta.length + metricKeys.length + metricValues.length)
                + ownBytes(service) + ownBytes(name) + ownBytes(resource) + ownBytes(type);
        for (String s : meta) {
            n += ownBytes(s);
        }
        for (String s : metricKeys) {
            n += ownBytes(s);
        }
        return n;
    }

    /**
     * The heap a string of a span or a stats key holds on its own: nothing when it is short enough for the
     * decoders to share it ({@code intake.Strings} shares up to 96 bytes), else its headers and its Latin-1
     * characters (twice that for others: roughly).
     */
    public static long ownBytes(String s) {
        return s.length() > 96 ? 40 + s.length() : 0;
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
        String[] n = Arrays.copyOf(m, m.length + 2);
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

    /**
     * A tag key sent twice keeps its last value, as decoding into the agent's Go maps leaves it: the rest of
     * the collector can then take one key for one value (a second {@code http.status_code} that no check saw
     * made the stats fail on it).
     */
    public void keepLastOfRepeatedKeys() {
        if (hasRepeats(meta, 2)) {
            LinkedHashMap<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < meta.length; i += 2) {
                m.remove(meta[i]); // the last one's place, as putMeta would leave it
                m.put(meta[i], meta[i + 1]);
            }
            String[] n = new String[2 * m.size()];
            int i = 0;
            for (Map.Entry<String, String> e : m.entrySet()) {
                n[i++] = e.getKey();
                n[i++] = e.getValue();
            }
            meta = n;
        }
        if (hasRepeats(metricKeys, 1)) {
            LinkedHashMap<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < metricKeys.length; i++) {
                m.remove(metricKeys[i]);
                m.put(metricKeys[i], metricValues[i]);
            }
            metricKeys = m.keySet().toArray(new String[0]);
            metricValues = m.values().stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    /** Whether a key repeats among every {@code step}-th element: by pairs for a few, through a set for many. */
    private static boolean hasRepeats(String[] keys, int step) {
        int n = keys.length / step;
        if (n <= 16) {
            for (int i = 0; i < keys.length; i += step) {
                for (int j = i + step; j < keys.length; j += step) {
                    if (keys[i].equals(keys[j])) {
                        return true;
                    }
                }
            }
            return false;
        }
        HashSet<String> seen = new HashSet<>(2 * n);
        for (int i = 0; i < keys.length; i += step) {
            if (!seen.add(keys[i])) {
                return true;
            }
        }
        return false;
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
