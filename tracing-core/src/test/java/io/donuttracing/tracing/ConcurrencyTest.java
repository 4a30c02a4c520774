package io.donuttracing.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.context.CurrentSpan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 64 threads on a pool run 1,000 nested traces each; every fourth trace hops to another pool through
 * the executor wrapper for one of its children. Every span must end in its own trace, under its own
 * parent, and none may be lost.
 */
class ConcurrencyTest {
  static final int THREADS = 64;
  static final int TRACES_PER_THREAD = 1000;

  @Test
  void everySpanInTheRightTraceUnderTheRightParentNoneLost() throws Exception {
    RecordingWriter writer = new RecordingWriter();
    Tracer tracer = RecordingWriter.tracer(writer);
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);
    ExecutorService hops = CurrentSpan.wrap(Executors.newFixedThreadPool(8));
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        done.add(callers.submit(() -> {
          for (int i = 0; i < TRACES_PER_THREAD; i++) {
            String id = thread + "/" + i;
            try (Span root = tracer.trace("root")) {
              root.setTag("id", id);
              try (Span child = tracer.trace("child")) {
                child.setTag("id", id);
                try (Span grandchild = tracer.trace("grandchild")) {
                  grandchild.setTag("id", id);
                }
              }
              if (i % 4 == 0) {
                hops.submit(() -> {
                  try (Span hopped = tracer.trace("hopped")) {
                    hopped.setTag("id", id);
                  }
                }).get(10, TimeUnit.SECONDS);
              }
            }
            assertThat(CurrentSpan.get()).isNull();
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      callers.shutdown();
      hops.shutdown();
    }

    int expectedTraces = THREADS * TRACES_PER_THREAD;
    assertThat(writer.chunks).hasSize(expectedTraces); // one chunk per trace: nothing split, nothing lost
    Map<String, List<Span>> byId = new HashMap<>();
    for (List<Span> chunk : writer.chunks) {
      long traceId = chunk.get(0).traceId();
      String id = chunk.get(0).tag("id");
      assertThat(chunk).allSatisfy(s -> {
        assertThat(s.traceId()).isEqualTo(traceId);
        assertThat(s.tag("id")).isEqualTo(id);
      });
      assertThat(byId.put(id, chunk)).as("trace %s reported twice", id).isNull();
    }
    assertThat(byId).hasSize(expectedTraces);
    for (Map.Entry<String, List<Span>> e : byId.entrySet()) {
      Map<String, Span> spans = new HashMap<>();
      e.getValue().forEach(s -> spans.put(s.name(), s));
      int i = Integer.parseInt(e.getKey().split("/")[1]);
      assertThat(spans.keySet()).hasSize(i % 4 == 0 ? 4 : 3);
      assertThat(spans.get("root").parentId()).isZero();
      assertThat(spans.get("child").parentId()).isEqualTo(spans.get("root").spanId());
      assertThat(spans.get("grandchild").parentId()).isEqualTo(spans.get("child").spanId());
      if (i % 4 == 0) {
        assertThat(spans.get("hopped").parentId()).isEqualTo(spans.get("root").spanId());
      }
    }
  }
}
