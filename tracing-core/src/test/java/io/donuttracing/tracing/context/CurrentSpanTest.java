package io.donuttracing.tracing.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.slf4j.MdcScopeListener;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class CurrentSpanTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);
  final ExecutorService pool = Executors.newSingleThreadExecutor();
  final ScopeListener listenerBefore = CurrentSpan.listener();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdown();
    assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    CurrentSpan.setListener(listenerBefore);
  }

  @Test
  void aListenerThatThrowsBreaksNeitherTheApplicationNorItsSpans() {
    CurrentSpan.setListener(span -> {
      throw new IllegalStateException("a listener's bug");
    });
    try (Span parent = tracer.trace("parent")) {
      tracer.trace("child").close();
      assertThat(tracer.activeSpan()).isSameAs(parent);
    }
    assertThat(tracer.activeSpan()).isNull();
    assertThat(writer.spans()).extracting(Span::name).containsExactlyInAnyOrder("parent", "child");
  }

  @Test
  void wrappersCarryTheSpanActiveAtWrappingTime() throws Exception {
    try (Span parent = tracer.trace("parent")) {
      Runnable runnable = CurrentSpan.wrap((Runnable) () -> tracer.trace("in.runnable").close());
      Future<Long> fromCallable = pool.submit(CurrentSpan.wrap((Callable<Long>) () -> {
        try (Span s = tracer.trace("in.callable")) {
          return s.parentId();
        }
      }));
      pool.submit(runnable).get();
      assertThat(fromCallable.get()).isEqualTo(parent.spanId());

      ExecutorService wrapped = CurrentSpan.wrap(pool);
      assertThat(wrapped.submit(() -> tracer.activeSpan()).get()).isSameAs(parent);
      CompletableFuture<Span> viaFuture = CurrentSpan.supplyAsync(() -> tracer.activeSpan(), pool);
      assertThat(viaFuture.get()).isSameAs(parent);
      CompletableFuture<Span> viaWrappedSupplier = CompletableFuture.supplyAsync(CurrentSpan.wrapSupplier(() -> tracer.activeSpan()));
      assertThat(viaWrappedSupplier.get()).isSameAs(parent);
      AtomicReference<Span> seen = new AtomicReference<>();
      CurrentSpan.wrap((java.util.concurrent.Executor) pool).execute(() -> seen.set(tracer.activeSpan()));
      CurrentSpan.runAsync(() -> {}, pool).get();
      assertThat(seen.get()).isSameAs(parent);
    }
    assertThat(writer.span("in.runnable").parentId()).isEqualTo(writer.span("parent").spanId());
    assertThat(writer.chunks).hasSize(1); // the children that ran elsewhere are in the one trace
  }

  @Test
  void aPooledThreadNeverKeepsATasksContext() throws Exception {
    try (Span parent = tracer.trace("request.one")) {
      pool.submit(CurrentSpan.wrap((Runnable) () -> {
        tracer.trace("left.open"); // a bug in the task: never closed
      })).get();
    }
    assertThat(pool.submit(() -> tracer.activeSpan()).get()).isNull();
    // a task wrapped with no active span also runs with none, whatever the thread had before
    assertThat(pool.submit(CurrentSpan.wrap((Callable<Span>) () -> tracer.activeSpan())).get()).isNull();
  }

  @Test
  void aSpanClosedOnAnotherThreadIsNoLongerActiveOnItsOwn() throws Exception {
    try (Span outer = tracer.trace("outer")) {
      Span handedOver = tracer.trace("handed.over"); // active here, finished by the pool's thread
      pool.submit(handedOver::close).get();
      assertThat(tracer.activeSpan()).as("the finished span is off this thread's stack").isSameAs(outer);
      try (Span next = tracer.trace("next")) {
        assertThat(next.parentId()).isEqualTo(outer.spanId());
      }
    }
    Span alone = tracer.trace("alone");
    pool.submit(alone::close).get();
    assertThat(tracer.activeSpan()).isNull();
    try (Span fresh = tracer.trace("fresh")) {
      assertThat(fresh.traceId()).as("a new trace, not the finished one's").isNotEqualTo(alone.traceId());
    }
  }

  @Test
  void mdcHoldsTheActiveSpansIdsAndIsClearedAfterwards() {
    MdcScopeListener.install();
    assertThat(MDC.get("dd.trace_id")).isNull();
    try (Span outer = tracer.trace("outer")) {
      assertThat(MDC.get("dd.trace_id")).isEqualTo(Long.toUnsignedString(outer.traceId()));
      assertThat(MDC.get("dd.span_id")).isEqualTo(Long.toUnsignedString(outer.spanId()));
      try (Span inner = tracer.trace("inner")) {
        assertThat(MDC.get("dd.span_id")).isEqualTo(Long.toUnsignedString(inner.spanId()));
      }
      assertThat(MDC.get("dd.span_id")).isEqualTo(Long.toUnsignedString(outer.spanId()));
    }
    assertThat(MDC.get("dd.trace_id")).isNull();
    assertThat(MDC.get("dd.span_id")).isNull();
  }
}
