package io.donuttracing.collector.intake;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LinearlyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.mapping.QuadraticallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.QuarticallyInterpolatedMapping;

/**
 * Reads a DDSketch in its protobuf encoding (what sketches-java's {@code DDSketch.serialize()} and
 * sketches-go write) and adds its values to a sketch of the collector's own mapping.
 *
 * <p>sketches-java decodes this format only through protobuf-java 3.13 generated code, which today's
 * protobuf-java 4.x runtime refuses, so this reads exactly these three messages:
 * <pre>
 * DDSketch     { IndexMapping mapping = 1; Store positiveValues = 2; Store negativeValues = 3; double zeroCount = 4; }
 * IndexMapping { double gamma = 1; double indexOffset = 2; Interpolation interpolation = 3; }
 * Store        { map&lt;sint32, double&gt; binCounts = 1; repeated double contiguousBinCounts = 2 [packed];
 *                sint32 contiguousBinIndexOffset = 3; }
 * </pre>
 * Each bin's count is added at its index's representative value under the payload's mapping (sketches-java's
 * own mapping class for that interpolation, built from gamma and offset), so when the payload's mapping is
 * the collector's every count lands in the very same bin. Fields may come in any order; unknown ones are
 * skipped; a Store that occurs twice is read as two stores. Truncated or malformed input, and values that
 * cannot be durations in nanoseconds, throw {@link BadPayloadException}.
 */
final class SketchDecoder {
    private static final int VARINT = 0;
    private static final int I64 = 1;
    private static final int LEN = 2;
    private static final int I32 = 5;
    /** Durations are uint64 nanoseconds. */
    private static final double MAX_DURATION = 0x1p64;

    private final byte[] buf;
    /** Where the whole sketch starts, for error messages. */
    private final int origin;
    private final int start;
    private final int end;
    private int pos;

    private SketchDecoder(byte[] buf, int origin, int start, int end) {
        this.buf = buf;
        this.origin = origin;
        this.start = start;
        this.end = end;
        this.pos = start;
    }

    /** Adds the values of the sketch encoded in {@code len} bytes of {@code buf} at {@code off} to {@code target}. */
    static void addTo(DDSketch target, byte[] buf, int off, int len) {
        SketchDecoder sketch = new SketchDecoder(buf, off, off, off + len);
        // the mapping (and the zero count) first, wherever they are: the stores' bins need the mapping
        IndexMapping mapping = null;
        double zeroCount = 0;
        while (sketch.more()) {
            int tag = sketch.tag();
            if (tag == tag(1, LEN)) {
                mapping = sketch.message().mapping();
            } else if (tag == tag(4, I64)) {
                zeroCount = sketch.float64();
            } else {
                sketch.skip(tag);
            }
        }
        sketch.pos = sketch.start;
        while (sketch.more()) {
            int tag = sketch.tag();
            if (tag == tag(2, LEN) || tag == tag(3, LEN)) {
                sketch.message().store(target, mapping, tag == tag(3, LEN));
            } else {
                sketch.skip(tag);
            }
        }
        add(target, 0, checkCount(zeroCount));
    }

    private IndexMapping mapping() {
        double gamma = 0;
        double indexOffset = 0;
        long interpolation = 0;
        while (more()) {
            int tag = tag();
            if (tag == tag(1, I64)) {
                gamma = float64();
            } else if (tag == tag(2, I64)) {
                indexOffset = float64();
            } else if (tag == tag(3, VARINT)) {
                interpolation = varint();
            } else {
                skip(tag);
            }
        }
        if (!(gamma > 1) || !Double.isFinite(gamma) || !Double.isFinite(indexOffset)) {
            throw new BadPayloadException("the mapping's gamma must be a number above 1 and its offset a "
                    + "number, got " + gamma + " and " + indexOffset);
        }
        return switch ((int) interpolation) {
            case 0 -> new LogarithmicMapping(gamma, indexOffset);
            case 1 -> new LinearlyInterpolatedMapping(gamma, indexOffset);
            case 2 -> new QuadraticallyInterpolatedMapping(gamma, indexOffset);
            case 3 -> new CubicallyInterpolatedMapping(gamma, indexOffset);
            case 4 -> new QuarticallyInterpolatedMapping(gamma, indexOffset);
            default -> throw new BadPayloadException("unknown interpolation " + interpolation);
        };
    }

    private void store(DDSketch target, IndexMapping mapping, boolean negative) {
        // the offset of the contiguous counts may come after them
        int offset = 0;
        while (more()) {
            int tag = tag();
            if (tag == tag(3, VARINT)) {
                offset = zigzag((int) varint());
            } else {
                skip(tag);
            }
        }
        pos = start;
        int index = offset;
        while (more()) {
            int tag = tag();
            if (tag == tag(1, LEN)) {
                message().bin(target, mapping, negative);
            } else if (tag == tag(2, LEN)) {
                SketchDecoder packed = message();
                if ((packed.end - packed.start) % 8 != 0) {
                    throw packed.bad("packed doubles take a multiple of 8 bytes, not " + (packed.end - packed.start));
                }
                while (packed.more()) {
                    addBin(target, mapping, negative, index++, packed.float64());
                }
            } else if (tag == tag(2, I64)) {
                addBin(target, mapping, negative, index++, float64());
            } else {
                skip(tag);
            }
        }
    }

    /** One {@code binCounts} map entry: {@code {sint32 key = 1; double value = 2;}}. */
    private void bin(DDSketch target, IndexMapping mapping, boolean negative) {
        int index = 0;
        double count = 0;
        while (more()) {
            int tag = tag();
            if (tag == tag(1, VARINT)) {
                index = zigzag((int) varint());
            } else if (tag == tag(2, I64)) {
                count = float64();
            } else {
                skip(tag);
            }
        }
        addBin(target, mapping, negative, index, count);
    }

    private static void addBin(DDSketch target, IndexMapping mapping, boolean negative, int index, double count) {
        if (checkCount(count) == 0) {
            return;
        }
        if (negative) {
            add(target, 0, count); // as the normaliser does with a negative duration
            return;
        }
        if (mapping == null) {
            throw new BadPayloadException("bins without a mapping");
        }
        double value = mapping.value(index);
        if (!(value < MAX_DURATION)) {
            throw new BadPayloadException("bin " + index + " holds " + value + ", not a duration in ns");
        }
        // durations are whole nanoseconds: below 1 ns is 0 (and keeps the collector's sketches small)
        add(target, value < 1 ? 0 : value, count);
    }

    private static double checkCount(double count) {
        if (!(count >= 0) || count == Double.POSITIVE_INFINITY) {
            throw new BadPayloadException("a count must be a finite number >= 0, got " + count);
        }
        return count;
    }

    private static void add(DDSketch target, double value, double count) {
        if (count > 0) {
            target.accept(value, count);
        }
    }

    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }

    private static int zigzag(int n) {
        return (n >>> 1) ^ -(n & 1);
    }

    private boolean more() {
        return pos < end;
    }

    private int tag() {
        long t = varint();
        if (t >>> 32 != 0 || (t >>> 3) == 0) {
            throw bad("invalid field tag " + Long.toUnsignedString(t));
        }
        return (int) t;
    }

    private long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw bad("the sketch ends in the middle of a varint");
            }
            byte b = buf[pos++];
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw bad("a varint longer than 10 bytes");
    }

    private double float64() {
        return Double.longBitsToDouble(fixed(8));
    }

    private long fixed(int n) {
        if (end - pos < n) {
            throw bad("the sketch ends in the middle of a " + n * 8 + "-bit value");
        }
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (buf[pos + i] & 0xff);
        }
        pos += n;
        return v;
    }

    /** A length-delimited field's bytes, as a reader of their own. */
    private SketchDecoder message() {
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw bad("a field claims " + Long.toUnsignedString(n) + " bytes but only " + (end - pos) + " are left");
        }
        SketchDecoder m = new SketchDecoder(buf, origin, pos, pos + (int) n);
        pos += (int) n;
        return m;
    }

    private void skip(int tag) {
        switch (tag & 7) {
            case VARINT -> varint();
            case I64 -> fixed(8);
            case LEN -> message();
            case I32 -> fixed(4);
            default -> throw bad("unsupported wire type " + (tag & 7) + " (field " + (tag >>> 3) + ")");
        }
    }

    private BadPayloadException bad(String reason) {
        return new BadPayloadException(reason + " (at byte " + (pos - origin) + " of the sketch)");
    }
}
