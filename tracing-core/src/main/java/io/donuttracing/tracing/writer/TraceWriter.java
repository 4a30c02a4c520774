package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.time.Duration;
import java.util.List;

/**
 * Where finished traces go. The tracer calls {@link #write} on an application thread each time a trace
 * (or a part of a long one) is complete, so implementations must return at once and never throw:
 * {@link AgentWriter} applies the agent's filters, counts a dropped trace in its client-side stats or puts a kept
 * one in a bounded queue, and leaves every exchange with the agent to its own thread.
 */
public interface TraceWriter extends AutoCloseable {

  /**
   * Accepts one chunk: finished spans of one trace, the first one carrying the trace-level tags (the local root
   * when the chunk holds it; a part of a long trace may not). Never blocks, never throws.
   */
  void write(List<Span> chunk);

  /** Sends what is queued and waits for it at most {@code timeout}; true when everything queued was handled. */
  default boolean flush(Duration timeout) {
    return true;
  }

  /** What was sent and dropped so far. */
  default WriterCounters counters() {
    return WriterCounters.NONE;
  }

  /** Flushes and stops. Traces written afterwards are dropped. */
  @Override
  default void close() {}

  /** A writer that discards everything ({@code DD_TRACE_ENABLED=false}). */
  static TraceWriter noop() {
    return chunk -> {};
  }
}
