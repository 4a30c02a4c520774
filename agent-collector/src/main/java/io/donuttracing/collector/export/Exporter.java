package io.donuttracing.collector.export;

import io.donuttracing.collector.model.Span;
import java.util.List;
import java.util.Map;

/** Forwards kept traces elsewhere. {@link #offer} never blocks the intake. */
public interface Exporter extends AutoCloseable {
    Exporter NONE = new Exporter() {
        @Override
        public void offer(List<Span[]> traces) {
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of();
        }

        @Override
        public void close() {
        }
    };

    void offer(List<Span[]> traces);

    Map<String, Long> counters();

    @Override
    void close();
}
