package io.donuttracing.tracing;

import io.donuttracing.tracing.writer.TraceWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Keeps every chunk the tracer hands over, in memory. */
public final class RecordingWriter implements TraceWriter {
  public final ConcurrentLinkedQueue<List<Span>> chunks = new ConcurrentLinkedQueue<>();

  @Override
  public void write(List<Span> chunk) {
    chunks.add(chunk);
  }

  public List<Span> spans() {
    List<Span> all = new ArrayList<>();
    chunks.forEach(all::addAll);
    return all;
  }

  public Span span(String name) {
    return spans().stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span named " + name + " in " + spans()));
  }

  public static Tracer tracer(RecordingWriter writer) {
    return Tracer.create(TracerConfig.builder().service("svc").logsInjection(false).build(), writer);
  }
}
