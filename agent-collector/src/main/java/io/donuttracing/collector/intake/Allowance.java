package io.donuttracing.collector.intake;

/**
 * The heap one body may turn into while it is decoded, and what it has taken so far.
 *
 * <p>A body's size alone does not bound its decoding: a v0.5 span can take 13 bytes and a JSON span {@code {}}
 * 3, yet each becomes a 96-byte {@code Span}, so 25 MB of them would take hundreds of megabytes of heap. The
 * decoders charge what they make as they make it, with the JVM's sizes (compressed pointers): a span object,
 * each array's header and slots, and each string kept at two bytes a character (one for Latin-1 text, but
 * two otherwise), even a short msgpack string that is shared with other spans, so the count errs high. (A
 * v0.5 body's strings are its dictionary's, charged once.) Past the allowance, decoding stops with a 413.
 */
final class Allowance {
    static final int SPAN = 96;
    static final int ARRAY = 16;
    static final int STRING = 40;

    private final long max;
    private long used;

    Allowance(long max) {
        this.max = max;
    }

    void charge(long bytes) {
        used += bytes;
        if (used > max) {
            throw BadPayloadException.tooLarge("the body decodes into more than " + max
                    + " bytes, the most one decoder holds (collector.decode-budget divided by collector.decoders)"
                    + "; send it in smaller payloads");
        }
    }

    /** A string that decoding keeps. */
    String string(String s) {
        string(s.length());
        return s;
    }

    /** A string of {@code chars} characters that decoding keeps. */
    void string(long chars) {
        if (chars > 0) {
            charge(STRING + 2 * chars);
        }
    }

    /** An array of {@code n} references (strings, spans). */
    void refs(long n) {
        charge(ARRAY + 4 * n);
    }

    /** A stats group object, with room for its list slot. */
    void group() {
        charge(104);
    }

    /**
     * A sketch of {@code encodedBytes}, decoded into sparse stores: the empty sketch (the object, its two stores
     * and their tree maps, 192 bytes), and per byte of the encoding 9 at most: a bin is a tree-map entry, an
     * {@code Integer} and a {@code Double} (72 bytes), and its count takes at least 8 bytes (a double).
     */
    void sketch(long encodedBytes) {
        charge(192 + 9 * encodedBytes);
    }

    /** An array of {@code n} doubles. */
    void doubles(long n) {
        charge(ARRAY + 8 * n);
    }
}
