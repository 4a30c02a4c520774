package io.donuttracing.tracing;

import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The spans of one trace that live in this process, and the decisions shared by all of them (ids,
 * sampling priority, origin, propagated tags). After dd-trace-java's {@code PendingTrace}:
 *
 * <ul>
 *   <li>the finished spans wait here until the last open one finishes; then they leave together, one
 *       "chunk", for the writer, the local root first and the others in the order they finished;</li>
 *   <li>a very long trace leaves in parts: every {@code partialFlushMinSpans} finished spans;</li>
 *   <li>if the local root has finished but a child has not {@code pendingTimeout} later, the finished
 *       spans leave without it (see {@link Tracer}), and so do the ones that finish later while another is still
 *       open; nothing but the open spans refers to a trace, so a span
 *       that is never finished holds at most its own unflushed siblings and is collected with them.</li>
 * </ul>
 */
final class LocalTrace {
  private static final AtomicIntegerFieldUpdater<LocalTrace> OPEN =
      AtomicIntegerFieldUpdater.newUpdater(LocalTrace.class, "open");

  final Tracer tracer;
  final long traceIdHigh;
  final long traceIdLow;
  final String origin;
  final String w3cVendorState;
  volatile int samplingPriority;
  volatile Map<String, String> propagatedTags;
  private final long anchorEpochNanos;
  private final long anchorTicks;

  private volatile int open;
  private ArrayList<Span> finished = new ArrayList<>(4);
  private Span localRoot;
  /** Whether the tracer holds this trace to send its finished spans without the open ones ({@code Tracer.reap}). */
  private boolean awaitingStragglers;
  /** When the tracer began to hold it: when the root finished, or a span after that, with spans still open. */
  volatile long awaitingSinceTicks;
  private String traceIdString;

  LocalTrace(Tracer tracer, long traceIdHigh, long traceIdLow, int samplingPriority, String origin,
      Map<String, String> propagatedTags, String w3cVendorState, long anchorEpochNanos, long anchorTicks) {
    this.tracer = tracer;
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
    this.samplingPriority = samplingPriority;
    this.origin = origin;
    this.propagatedTags = propagatedTags;
    this.w3cVendorState = w3cVendorState;
    this.anchorEpochNanos = anchorEpochNanos;
    this.anchorTicks = anchorTicks;
  }

  /** Wall-clock time of a {@link System#nanoTime()} reading: one wall-clock reading per trace, no drift inside it. */
  long epochNanos(long ticks) {
    return anchorEpochNanos + (ticks - anchorTicks);
  }

  String traceIdString() {
    String s = traceIdString;
    if (s == null) {
      s = Ids.decimal(traceIdLow);
      traceIdString = s; // a race only makes the same string twice
    }
    return s;
  }

  /** Called once, for the first span, before the trace is shared with other threads. */
  void setLocalRoot(Span span) {
    localRoot = span;
  }

  void started() {
    OPEN.incrementAndGet(this);
  }

  void finish(Span span, long endTicks) {
    List<Span> chunk = null;
    boolean awaitStragglers = false;
    synchronized (this) {
      if (!span.markFinished(endTicks)) {
        return;
      }
      if (span == localRoot) {
        finished.add(0, span); // the root first: the trace-level tags go on a chunk's first span (Tracer.write)
      } else {
        finished.add(span);
      }
      int stillOpen = OPEN.decrementAndGet(this);
      if (stillOpen == 0 || finished.size() >= tracer.partialFlushMinSpans) {
        chunk = finished;
        finished = new ArrayList<>(stillOpen == 0 ? 0 : 4);
      }
      // Once the root has finished, finished spans wait here for the open ones, and the tracer sends them without
      // those after the pending timeout. A span that finishes after such a send starts the wait again, or it would
      // wait for ever.
      if (localRoot.isFinished() && stillOpen > 0 && !finished.isEmpty() && !awaitingStragglers) {
        awaitingStragglers = true;
        awaitingSinceTicks = endTicks;
        awaitStragglers = true;
      }
    }
    if (chunk != null && !chunk.isEmpty()) {
      tracer.write(this, chunk);
    }
    if (awaitStragglers) {
      tracer.awaitStragglers(this);
    }
  }

  /** Hands over what has finished so far, now that the tracer no longer holds the trace; the open spans stay. */
  void flushFinished() {
    List<Span> chunk;
    synchronized (this) {
      awaitingStragglers = false;
      if (finished.isEmpty()) {
        return;
      }
      chunk = finished;
      finished = new ArrayList<>(4);
    }
    tracer.write(this, chunk);
  }

  void setSamplingPriorityByUser(int priority) {
    samplingPriority = priority;
    Map<String, String> tags = new HashMap<>(propagatedTags);
    if (SamplingPriority.isKept(priority)) {
      tags.put("_dd.p.dm", "-4");
    } else {
      tags.remove("_dd.p.dm");
    }
    propagatedTags = Map.copyOf(tags);
  }
}
