package io.donuttracing.tracing.benchmarks;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.writer.TraceWriter;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Start and finish a child span with 3 tags under an active parent, the child made active while it runs.
 * Each tracer hands finished spans to a sink that does nothing (ours: a no-op writer; OpenTelemetry: a
 * BatchSpanProcessor with a no-op exporter; Brave: a SpanHandler that drops).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SpanBenchmark {

  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class Ours {
    Tracer tracer;
    Span parent;

    @Setup(Level.Trial)
    public void setup() {
      tracer = Tracer.create(TracerConfig.builder().service("bench").logsInjection(false).build(), TraceWriter.noop());
      parent = tracer.trace("parent");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parent.close();
      tracer.close();
    }
  }

  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class Otel {
    SdkTracerProvider provider;
    io.opentelemetry.api.trace.Tracer tracer;
    io.opentelemetry.api.trace.Span parent;
    Scope parentScope;

    @Setup(Level.Trial)
    public void setup() {
      provider = SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(new NoopExporter()).build()).build();
      tracer = provider.get("bench");
      parent = tracer.spanBuilder("parent").startSpan();
      parentScope = parent.makeCurrent();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parentScope.close();
      parent.end();
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @State(org.openjdk.jmh.annotations.Scope.Thread)
  public static class Brave {
    Tracing tracing;
    brave.Tracer tracer;
    brave.Span parent;
    brave.Tracer.SpanInScope parentScope;

    @Setup(Level.Trial)
    public void setup() {
      tracing = Tracing.newBuilder().localServiceName("bench").addSpanHandler(new SpanHandler() {
        @Override
        public boolean end(TraceContext context, MutableSpan span, Cause cause) {
          return true;
        }
      }).build();
      tracer = tracing.tracer();
      parent = tracer.nextSpan().name("parent").start();
      parentScope = tracer.withSpanInScope(parent);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parentScope.close();
      parent.finish();
      tracing.close();
    }
  }

  static final class NoopExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Benchmark
  public Span ours(Ours s) {
    try (Span span = s.tracer.trace("child")) {
      span.setTag("beer", "ipa");
      span.setTag("donut", "jelly");
      span.setTag("score", 7L);
      return span;
    }
  }

  @Benchmark
  public io.opentelemetry.api.trace.Span otel(Otel s) {
    io.opentelemetry.api.trace.Span span = s.tracer.spanBuilder("child").startSpan();
    try (Scope scope = span.makeCurrent()) {
      span.setAttribute("beer", "ipa");
      span.setAttribute("donut", "jelly");
      span.setAttribute("score", 7L);
      return span;
    } finally {
      span.end();
    }
  }

  @Benchmark
  public brave.Span brave(Brave s) {
    brave.Span span = s.tracer.nextSpan().name("child").start();
    try (brave.Tracer.SpanInScope scope = s.tracer.withSpanInScope(span)) {
      span.tag("beer", "ipa");
      span.tag("donut", "jelly");
      span.tag("score", "7");
      return span;
    } finally {
      span.finish();
    }
  }
}
