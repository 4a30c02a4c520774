package io.donuttracing.collector.intake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns UTF-8 bytes into shared {@link String} instances without allocating when the string was seen
 * before.
 *
 * <p>Span data repeats itself: service, operation and resource names, tag keys and most tag values
 * come from a small vocabulary. A lock-free direct-mapped table keyed by the bytes' hash returns the
 * instance made the first time, so a stored span points at shared strings instead of holding its own
 * copies. Entries are immutable objects, so racy reads and writes of the table are safe (a lost write
 * only costs a later miss). The table's size bounds its memory; long strings are never cached.
 */
public final class Strings {
    private static final int BITS = 15;
    private static final int MASK = (1 << BITS) - 1;
    /** Longer strings (URLs with ids, SQL, stack traces) are rarely repeated: not cached. */
    public static final int MAX_CACHED_BYTES = 96;

    private static final class Entry {
        final byte[] bytes;
        final int hash;
        final String value;

        Entry(byte[] bytes, int hash, String value) {
            this.bytes = bytes;
            this.hash = hash;
            this.value = value;
        }
    }

    private static final Entry[] TABLE = new Entry[1 << BITS];
    private static final String[] CHARS_TABLE = new String[1 << BITS];

    private Strings() {
    }

    /** The string of {@code len} UTF-8 bytes of {@code buf} at {@code off}, shared when short. */
    public static String utf8(byte[] buf, int off, int len) {
        if (len == 0) {
            return "";
        }
        if (len > MAX_CACHED_BYTES) {
            return new String(buf, off, len, StandardCharsets.UTF_8);
        }
        int h = 0;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + buf[i];
        }
        int idx = (h ^ (h >>> BITS)) & MASK;
        Entry e = TABLE[idx];
        if (e != null && e.hash == h && Arrays.equals(e.bytes, 0, e.bytes.length, buf, off, off + len)) {
            return e.value;
        }
        byte[] copy = Arrays.copyOfRange(buf, off, off + len);
        String s = new String(copy, StandardCharsets.UTF_8);
        TABLE[idx] = new Entry(copy, h, s);
        return s;
    }

    /** A shared instance equal to {@code s} (for strings that come from JSON or from processing). */
    public static String share(String s) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        if (s.length() > MAX_CACHED_BYTES) {
            return s;
        }
        int h = s.hashCode();
        int idx = (h ^ (h >>> BITS)) & MASK;
        String e = CHARS_TABLE[idx];
        if (e != null && e.equals(s)) {
            return e;
        }
        CHARS_TABLE[idx] = s;
        return s;
    }
}
