package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.processing.Stats;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The DDSketch protobuf reader, against sketches-java's own encodings and hand-built bytes. */
class SketchDecoderTest {

    private static DDSketch decode(byte[] b) {
        DDSketch target = DDSketches.unboundedDense(Stats.RELATIVE_ACCURACY);
        SketchDecoder.addTo(target, b, 0, b.length);
        return target;
    }

    private static DDSketch filled(DDSketch s) {
        Random rnd = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            s.accept((long) (Math.exp(rnd.nextGaussian()) * 5_000_000L) + 100);
        }
        s.accept(0, 7);
        return s;
    }

    @Test
    void theCollectorsOwnMappingGivesTheSameBins() {
        // dense (contiguous counts) and sparse (a binCounts map) encodings of sketches-java's 1% sketches
        for (DDSketch sent : new DDSketch[] {filled(DDSketches.unboundedDense(0.01)), filled(DDSketches.sparse(0.01)),
            filled(DDSketches.collapsingLowestDense(0.01, 2048))}) {
            assertThat(sent.getIndexMapping()).isEqualTo(Stats.MAPPING);
            DDSketch got = decode(TestPayloads.sketch(sent));
            assertThat(got.getCount()).isEqualTo(sent.getCount());
            for (double q : new double[] {0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1}) {
                assertThat(got.getValueAtQuantile(q)).as("q%s", q).isEqualTo(sent.getValueAtQuantile(q));
            }
        }
    }

    @Test
    void otherMappingsAreReadThroughTheirRepresentativeValues() {
        // Datadog's tracers use an exact logarithmic mapping; another accuracy and an index offset too
        for (DDSketch sent : new DDSketch[] {filled(DDSketches.logarithmicUnboundedDense(0.01)),
            filled(new DDSketch(new LogarithmicMapping(1.05, 17.5), SparseStore::new))}) {
            DDSketch got = decode(TestPayloads.sketch(sent));
            assertThat(got.getCount()).isEqualTo(sent.getCount());
            double accuracy = sent.getIndexMapping().relativeAccuracy() + Stats.RELATIVE_ACCURACY;
            for (double q : new double[] {0.5, 0.9, 0.99, 1}) {
                double v = sent.getValueAtQuantile(q);
                assertThat(got.getValueAtQuantile(q)).as("q%s", q).isCloseTo(v, within(v * accuracy));
            }
        }
    }

    /** A minimal protobuf writer for hand-built messages. */
    private static final class Proto {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Proto tag(int field, int wireType) {
            return varint(field << 3 | wireType);
        }

        Proto sint32(int field, int v) {
            return tag(field, 0).varint(Integer.toUnsignedLong((v << 1) ^ (v >> 31)));
        }

        Proto fixed(long v, int bytes) {
            for (int i = 0; i < bytes; i++) {
                out.write((int) (v >>> (8 * i)) & 0xff);
            }
            return this;
        }

        Proto float64(int field, double v) {
            return tag(field, 1).fixed(Double.doubleToLongBits(v), 8);
        }

        Proto message(int field, Proto m) {
            byte[] b = m.bytes();
            tag(field, 2).varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto packed(int field, double... values) {
            tag(field, 2).varint(values.length * 8L);
            for (double v : values) {
                fixed(Double.doubleToLongBits(v), 8);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    @Test
    void fieldsInAnyOrderUnknownFieldsUnpackedDoublesAndNegativeIndexes() {
        LogarithmicMapping m = new LogarithmicMapping(2, 0); // index i: [2^i, 2^(i+1))
        Proto positive = new Proto()
                .tag(9, 0).varint(300) // unknown fields of every wire type
                .tag(10, 1).fixed(1, 8)
                .message(11, new Proto().varint(1))
                .tag(12, 5).fixed(1, 4)
                .packed(2, 1, 0, 4) // indexes -1 (0.67 ns: a zero), 0 (none) and 1
                .float64(2, 3) // unpacked: index 2
                .sint32(3, -1) // the offset, after the counts
                .message(1, new Proto().sint32(1, 10).float64(2, 2)) // binCounts {10: 2}
                .message(1, new Proto().float64(2, 0.5).sint32(1, 1)); // binCounts {1: 0.5}, value first
        byte[] b = new Proto()
                .message(2, positive)
                .message(3, new Proto().message(1, new Proto().sint32(1, 3).float64(2, 5))) // negative: zeros
                .float64(4, 1.5)
                .message(1, new Proto().float64(1, 2).tag(3, 0).varint(0)) // the mapping, last
                .bytes();
        DDSketch got = decode(b);
        assertThat(got.getCount()).isEqualTo(1 + 4 + 3 + 2 + 0.5 + 5 + 1.5);
        assertThat(got.getValueAtQuantile(0)).isZero();
        assertThat(got.getValueAtQuantile(7.5 / 17)).as("the zeros: 1 + 5 + 1.5").isZero();
        assertThat(got.getValueAtQuantile(9 / 17.0)).isCloseTo(m.value(1), within(m.value(1) * 0.011));
        assertThat(got.getMaxValue()).isCloseTo(m.value(10), within(m.value(10) * 0.011));
    }

    @Test
    void truncatedAndMalformedSketchesAreRejected() {
        DDSketch full = filled(DDSketches.unboundedDense(0.01));
        byte[] ok = TestPayloads.sketch(full);
        int rejected = 0;
        for (int len = 0; len < ok.length; len++) {
            byte[] cut = Arrays.copyOf(ok, len);
            try {
                // a cut on a field boundary is a smaller, valid message: never more than was sent
                assertThat(decode(cut).getCount()).as("cut at %d", len).isLessThanOrEqualTo(full.getCount());
            } catch (BadPayloadException e) {
                assertThat(e.getMessage()).isNotBlank();
                rejected++;
            }
        }
        assertThat(rejected).as("cuts rejected of %d", ok.length).isGreaterThan(ok.length / 2);
        Proto mapping = new Proto().float64(1, 2);
        assertThatThrownBy(() -> decode(Arrays.copyOf(ok, 20))).isInstanceOf(BadPayloadException.class)
                .hasMessageContaining("left");
        assertThatThrownBy(() -> decode(new Proto().message(1, new Proto().float64(1, 0.5)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("gamma");
        assertThatThrownBy(() -> decode(new Proto().message(1, new Proto().float64(1, Double.NaN)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("gamma");
        assertThatThrownBy(() -> decode(new Proto().message(1, new Proto().float64(1, 2).tag(3, 0).varint(7)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("interpolation");
        assertThatThrownBy(() -> decode(new Proto().message(2, new Proto().packed(2, 1)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("mapping");
        assertThatThrownBy(() -> decode(new Proto().message(1, mapping).message(2, new Proto().packed(2, -1)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("count");
        assertThatThrownBy(() -> decode(new Proto().message(1, mapping).message(2, new Proto().packed(2, Double.NaN)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("count");
        assertThatThrownBy(() -> decode(new Proto().float64(4, Double.POSITIVE_INFINITY).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("count");
        // 2^100 ns is no duration
        assertThatThrownBy(() -> decode(new Proto().message(1, mapping)
                .message(2, new Proto().message(1, new Proto().sint32(1, 100).float64(2, 1))).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("duration");
        assertThatThrownBy(() -> decode(new Proto().message(1, mapping)
                .message(2, new Proto().tag(2, 2).varint(7).fixed(0, 7)).bytes()))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("multiple of 8");
        assertThatThrownBy(() -> decode(TestPayloads.hex("08 ffffffffffffffffffff01")))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("varint");
        assertThatThrownBy(() -> decode(TestPayloads.hex("0b"))) // wire type 3: a group
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("wire type");
        assertThatThrownBy(() -> decode(TestPayloads.hex("12 05 0102")))
                .isInstanceOf(BadPayloadException.class).hasMessageContaining("claims 5 bytes");
    }
}
