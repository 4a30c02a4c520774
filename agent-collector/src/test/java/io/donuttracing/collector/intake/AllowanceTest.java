package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the decode budget lets through: the largest payload our tracer sends fits the smallest share a decoder
 * gets by default (32 MiB), in every format, while a body of the same size made of the smallest spans does not.
 */
class AllowanceTest {
    static final long SMALLEST_DEFAULT_SHARE = 32L << 20;

    @Test
    void aTracersLargestPayloadFitsTheSmallestDefaultShare() {
        List<S> spans = new ArrayList<>(); // 5,000 spans, as many as tracing-core sends at once, with a dozen tags
        for (int i = 1; i <= 5000; i++) {
            S s = new S(42, i, i - 1).service("matchmaker").name("servlet.request").resource("GET /pair/beer");
            for (int t = 0; t < 12; t++) {
                s.meta("tag.key.number" + t, "some value " + (i * 12 + t));
            }
            spans.add(s.metric("_sampling_priority_v1", 1).metric("_dd.top_level", 1).metric("_dd.measured", 1));
        }
        List<List<S>> traces = List.of(spans);
        byte[] v04 = TestPayloads.v04(traces);
        byte[] v05 = TestPayloads.v05(traces);
        byte[] json = TestPayloads.json(traces);

        assertThat(MsgpackDecoder.decodeV04(v04, v04.length, SMALLEST_DEFAULT_SHARE).get(0)).hasSize(5000);
        assertThat(MsgpackDecoder.decodeV05(v05, v05.length, SMALLEST_DEFAULT_SHARE).get(0)).hasSize(5000);
        assertThat(JsonDecoder.decode(json, json.length, SMALLEST_DEFAULT_SHARE).get(0)).hasSize(5000);
        // and the charge errs high, but not absurdly: about 2.5 KB a span of this kind in v0.4
        assertThatThrownBy(() -> MsgpackDecoder.decodeV04(v04, v04.length, 5000 * 2_000L))
                .isInstanceOfSatisfying(BadPayloadException.class, e -> assertThat(e.tooLarge()).isTrue());
        assertThat(MsgpackDecoder.decodeV04(v04, v04.length, 5000 * 3_000L).get(0)).hasSize(5000);
    }

    @Test
    void aBodyOfTheSmallestSpansIsRefusedAsTooLargeNotAsMalformed() {
        List<S> spans = new ArrayList<>();
        for (int i = 1; i <= 400_000; i++) {
            spans.add(new S(43, i, 0).service(null).name(null).resource(null).type(null));
        }
        byte[] v05 = TestPayloads.v05(List.of(spans)); // about 30 bytes a span, about 100 as decoded
        assertThatThrownBy(() -> MsgpackDecoder.decodeV05(v05, v05.length, SMALLEST_DEFAULT_SHARE))
                .isInstanceOfSatisfying(BadPayloadException.class, e -> assertThat(e.tooLarge()).isTrue())
                .hasMessageContaining("more than 33554432 bytes");
    }
}
