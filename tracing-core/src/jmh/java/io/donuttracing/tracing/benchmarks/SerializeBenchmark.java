package io.donuttracing.tracing.benchmarks;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.writer.MsgpackEncoder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Serialize 1,000 finished spans (10 traces of 100, 3 tags each) into the agent's v0.4 msgpack body.
 * Ours uses the writer's {@link MsgpackEncoder}. Neither OpenTelemetry's SDK nor Brave ship a Datadog
 * encoder, so for them the same body is written from their finished-span types (SpanData, MutableSpan)
 * with the same msgpack-core packer: the difference shown is the cost of reading each span model.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(org.openjdk.jmh.annotations.Scope.Thread)
public class SerializeBenchmark {
  List<List<Span>> ours;
  MsgpackEncoder encoder;
  List<SpanData> otel = new ArrayList<>();
  List<MutableSpan> brave = new ArrayList<>();
  final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();

  @Setup(Level.Trial)
  public void setup() {
    List<List<Span>> traces = new ArrayList<>();
    Tracer tracer = Tracer.create(TracerConfig.builder().service("bench").logsInjection(false).build(), traces::add);
    SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        otel.addAll(spans);
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
    })).build();
    io.opentelemetry.api.trace.Tracer otelTracer = provider.get("bench");
    Tracing tracing = Tracing.newBuilder().localServiceName("bench").addSpanHandler(new SpanHandler() {
      @Override
      public boolean end(TraceContext context, MutableSpan span, Cause cause) {
        brave.add(span);
        return true;
      }
    }).build();
    for (int t = 0; t < 10; t++) {
      try (Span root = tracer.trace("servlet.request")) {
        for (int i = 0; i < 99; i++) {
          try (Span s = tracer.trace("h2.query", "db")) {
            s.setResource("SELECT hops FROM beers WHERE name = ?").setType("sql");
            s.setTag("beer", "ipa").setTag("donut", "jelly").setTag("rows", 1L);
          }
        }
      }
      io.opentelemetry.api.trace.Span otelRoot = otelTracer.spanBuilder("servlet.request").startSpan();
      try (io.opentelemetry.context.Scope ignored = otelRoot.makeCurrent()) {
        for (int i = 0; i < 99; i++) {
          otelTracer.spanBuilder("h2.query").startSpan().setAttribute("beer", "ipa").setAttribute("donut", "jelly")
              .setAttribute("rows", 1L).end();
        }
      }
      otelRoot.end();
      brave.Span braveRoot = tracing.tracer().newTrace().name("servlet.request").start();
      for (int i = 0; i < 99; i++) {
        tracing.tracer().newChild(braveRoot.context()).name("h2.query").tag("beer", "ipa").tag("donut", "jelly")
            .tag("rows", "1").start().finish();
      }
      braveRoot.finish();
    }
    ours = traces;
    encoder = new MsgpackEncoder(null, null, "bench");
    if (ours.stream().mapToInt(List::size).sum() != 1000 || otel.size() != 1000 || brave.size() != 1000) {
      throw new IllegalStateException("expected 1000 spans each");
    }
  }

  @Benchmark
  public byte[] ours() {
    return encoder.encode(ours);
  }

  @Benchmark
  public byte[] otel() throws IOException {
    packer.clear();
    packer.packArrayHeader(10);
    for (int t = 0; t < 10; t++) {
      packer.packArrayHeader(100);
      for (int i = t * 100; i < t * 100 + 100; i++) {
        SpanData s = otel.get(i);
        packer.packMapHeader(12);
        packer.packString("service").packString("bench");
        packer.packString("name").packString(s.getName());
        packer.packString("resource").packString(s.getName());
        packer.packString("trace_id").packLong(Long.parseUnsignedLong(s.getTraceId().substring(16), 16) >>> 1);
        packer.packString("span_id").packLong(Long.parseUnsignedLong(s.getSpanId(), 16) >>> 1);
        packer.packString("parent_id").packLong(s.getParentSpanContext().isValid()
            ? Long.parseUnsignedLong(s.getParentSpanId(), 16) >>> 1 : 0);
        packer.packString("start").packLong(s.getStartEpochNanos());
        packer.packString("duration").packLong(s.getEndEpochNanos() - s.getStartEpochNanos());
        packer.packString("error").packInt(0);
        int strings = 0;
        int numbers = 0;
        for (Map.Entry<AttributeKey<?>, Object> e : s.getAttributes().asMap().entrySet()) {
          if (e.getValue() instanceof String) {
            strings++;
          } else {
            numbers++;
          }
        }
        packer.packString("meta").packMapHeader(strings);
        for (Map.Entry<AttributeKey<?>, Object> e : s.getAttributes().asMap().entrySet()) {
          if (e.getValue() instanceof String) {
            packer.packString(e.getKey().getKey()).packString((String) e.getValue());
          }
        }
        packer.packString("metrics").packMapHeader(numbers);
        for (Map.Entry<AttributeKey<?>, Object> e : s.getAttributes().asMap().entrySet()) {
          if (!(e.getValue() instanceof String)) {
            packer.packString(e.getKey().getKey()).packLong(((Number) e.getValue()).longValue());
          }
        }
        packer.packString("type").packNil();
      }
    }
    return packer.toByteArray();
  }

  @Benchmark
  public byte[] brave() throws IOException {
    packer.clear();
    packer.packArrayHeader(10);
    for (int t = 0; t < 10; t++) {
      packer.packArrayHeader(100);
      for (int i = t * 100; i < t * 100 + 100; i++) {
        MutableSpan s = brave.get(i);
        packer.packMapHeader(12);
        packer.packString("service").packString(s.localServiceName());
        packer.packString("name").packString(s.name());
        packer.packString("resource").packString(s.name());
        packer.packString("trace_id").packLong(Long.parseUnsignedLong(s.traceId(), 16) >>> 1);
        packer.packString("span_id").packLong(Long.parseUnsignedLong(s.id(), 16) >>> 1);
        packer.packString("parent_id").packLong(s.parentId() == null ? 0 : Long.parseUnsignedLong(s.parentId(), 16) >>> 1);
        packer.packString("start").packLong(s.startTimestamp() * 1000);
        packer.packString("duration").packLong((s.finishTimestamp() - s.startTimestamp()) * 1000);
        packer.packString("error").packInt(s.error() == null ? 0 : 1);
        packer.packString("meta").packMapHeader(s.tagCount());
        for (int k = 0; k < s.tagCount(); k++) {
          packer.packString(s.tagKeyAt(k)).packString(s.tagValueAt(k));
        }
        packer.packString("metrics").packMapHeader(0);
        packer.packString("type").packNil();
      }
    }
    return packer.toByteArray();
  }
}
