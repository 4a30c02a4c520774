package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.util.List;

/**
 * Builds request bodies for one intake endpoint, a trace at a time, so that the writer knows a body's size
 * before it sends it. Besides each span's own tags, an encoder adds the process-wide ones the agent expects on
 * every span: {@code env}, {@code version} (on spans of the main service) and {@code _dd.origin}
 * ({@link AddedTags}). Not thread-safe: the writer's thread owns it.
 */
interface TraceEncoder {
  /** {@code /v0.4/traces} or {@code /v0.3/traces}. */
  String path();

  String contentType();

  /**
   * Adds a trace to the body being built; false, leaving the body as it was, when the body already holds traces
   * and this one would take it past {@code maxBytes} (send the body, then add the trace to the next one). An
   * empty body takes any trace, so that one over the limit still goes, alone.
   */
  boolean append(List<Span> trace, int maxBytes);

  /** The traces added since the last {@link #body()}. */
  int traces();

  /** The body of the traces added since the last call, an array of traces, each an array of span maps. */
  byte[] body();

  /** The body of these traces, whatever its size (for tests and the serialization benchmark). */
  default byte[] encode(List<List<Span>> traces) {
    for (List<Span> trace : traces) {
      append(trace, Integer.MAX_VALUE);
    }
    return body();
  }
}
