package io.donuttracing.tracing.benchmarks;

import brave.Tracing;
import brave.propagation.Propagation;
import brave.propagation.TraceContext;
import brave.propagation.TraceContextOrSamplingFlags;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.propagation.CompositePropagator;
import io.donuttracing.tracing.propagation.Propagator;
import io.donuttracing.tracing.writer.TraceWriter;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Inject a span's context into a header map, then extract it back. Ours with the default styles
 * (Datadog and W3C headers both, as {@code datadog,tracecontext} does) and with W3C alone; OpenTelemetry's
 * W3C propagator; Brave's B3 (Brave has no W3C or Datadog codec in its core).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class PropagationBenchmark {
  final Map<String, String> headers = new HashMap<>();
  SpanContext ours;
  Propagator datadogAndW3c;
  Propagator w3cOnly;
  Context otelContext;
  TraceContext braveContext;
  TraceContext.Injector<Map<String, String>> braveInjector;
  TraceContext.Extractor<Map<String, String>> braveExtractor;

  static final TextMapSetter<Map<String, String>> OTEL_SETTER = Map::put;
  static final TextMapGetter<Map<String, String>> OTEL_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier.get(key);
    }
  };

  @Setup(Level.Trial)
  public void setup() {
    Tracer tracer = Tracer.create(TracerConfig.builder().logsInjection(false).build(), TraceWriter.noop());
    // ids of 2^63 and more (half of all) cost more in decimal: take one, so that every run measures the same work
    Span span = tracer.startSpan("parent", null, null);
    while (span.spanId() >= 0 || span.traceId() >= 0) {
      span = tracer.startSpan("parent", null, null);
    }
    ours = span.context();
    datadogAndW3c = CompositePropagator.of("datadog,tracecontext", "datadog,tracecontext");
    w3cOnly = CompositePropagator.of("tracecontext", "tracecontext");

    // without a span processor the SDK hands out invalid (no-op) span contexts, and inject writes nothing
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build();
    otelContext = Context.root().with(provider.get("bench").spanBuilder("parent").startSpan());

    Tracing tracing = Tracing.newBuilder().build();
    braveContext = tracing.tracer().nextSpan().context();
    Propagation<String> b3 = tracing.propagation();
    braveInjector = b3.injector(Map<String, String>::put);
    braveExtractor = b3.extractor(Map<String, String>::get);
  }

  @Benchmark
  public SpanContext ours_datadog_and_w3c() {
    headers.clear();
    datadogAndW3c.inject(ours, headers, Propagator.mapSetter());
    return datadogAndW3c.extract(headers, Map::get);
  }

  @Benchmark
  public SpanContext ours_w3c() {
    headers.clear();
    w3cOnly.inject(ours, headers, Propagator.mapSetter());
    return w3cOnly.extract(headers, Map::get);
  }

  @Benchmark
  public Context otel_w3c() {
    headers.clear();
    W3CTraceContextPropagator.getInstance().inject(otelContext, headers, OTEL_SETTER);
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, OTEL_GETTER);
  }

  @Benchmark
  public TraceContextOrSamplingFlags brave_b3() {
    headers.clear();
    braveInjector.inject(braveContext, headers);
    return braveExtractor.extract(headers);
  }
}
