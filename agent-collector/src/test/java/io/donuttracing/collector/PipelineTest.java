package io.donuttracing.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.export.Exporter;
import io.donuttracing.collector.model.Payload;
import io.donuttracing.collector.model.Span;
import io.donuttracing.collector.processing.FilterTags;
import io.donuttracing.collector.processing.IgnoredResources;
import io.donuttracing.collector.processing.Normalizer;
import io.donuttracing.collector.processing.Obfuscator;
import io.donuttracing.collector.processing.Sampler;
import io.donuttracing.collector.processing.Stats;
import io.donuttracing.collector.store.TraceStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the pipeline does with the headers of a tracer that drops priority-0 traces itself. */
class PipelineTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final Stats stats = new Stats(3_600_000_000_000L);
    private final Pipeline pipeline = new Pipeline(new Normalizer(), IgnoredResources.NONE, FilterTags.NONE,
            new Obfuscator(true, true), stats, new Sampler(10, 10, clock::get), new TraceStore(100_000), Exporter.NONE);

    private static Span[] trace(long id, String service, String env) {
        Span s = new Span();
        s.traceId = id;
        s.spanId = 1;
        s.service = service;
        s.name = "servlet.request";
        s.start = System.currentTimeMillis() * 1_000_000L;
        s.duration = 1_000_000;
        s.meta = new String[] {"env", env};
        s.metricKeys = new String[] {"_sampling_priority_v1"};
        s.metricValues = new double[] {1};
        return new Span[] {s};
    }

    private static Payload payload(List<Span[]> chunks, boolean clientStats, long droppedTraces, long droppedSpans) {
        return new Payload(chunks, "java", false, clientStats, droppedTraces, droppedSpans);
    }

    @Test
    void droppedP0TracesKeepThePublishedRateLow() {
        // 1 trace kept and 999 dropped by the tracer every second: 1000 traces per second, for a second (the
        // surge lowers the rate) and then a whole window
        for (int sec = 0; sec < 12; sec++) {
            pipeline.accept(payload(List.<Span[]>of(trace(sec + 1, "P0-Busy", "prod")), false, 999, 2997));
            clock.addAndGet(1_000_000_000L);
        }
        // the key of the first chunk's root, with the service name normalised as the sampler sees it
        assertThat(pipeline.rateByService().get("service:p0-busy,env:prod")).isBetween(0.009, 0.011);
        assertThat(pipeline.counters()).containsEntry("client_dropped_p0_traces", 12 * 999L)
                .containsEntry("client_dropped_p0_spans", 12 * 2997L).containsEntry("traces_kept", 12L);
    }

    @Test
    void droppedTracesOfAPayloadWithoutChunksOnlyCount() {
        pipeline.accept(payload(List.of(), false, 50, 150));
        assertThat(pipeline.counters()).containsEntry("client_dropped_p0_traces", 50L);
        assertThat(pipeline.rateByService()).containsOnlyKeys("service:,env:");
    }

    @Test
    void spansWhoseStatsTheClientComputedAreNotCounted() {
        pipeline.accept(payload(List.<Span[]>of(trace(1, "computed", "")), true, 0, 0));
        pipeline.accept(payload(List.<Span[]>of(trace(2, "server-side", "")), false, 0, 0));
        assertThat(stats.resources("computed")).isEmpty();
        assertThat(stats.resources("server-side")).hasSize(1);
        assertThat(pipeline.counters()).containsEntry("traces_kept", 2L);
    }
}
