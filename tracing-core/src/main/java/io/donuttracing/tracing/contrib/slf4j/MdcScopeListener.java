package io.donuttracing.tracing.contrib.slf4j;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.context.CurrentSpan;
import io.donuttracing.tracing.context.ScopeListener;
import org.slf4j.MDC;

/**
 * Log correlation: while a span is active on a thread, SLF4J's MDC there holds {@code dd.trace_id} and
 * {@code dd.span_id} (unsigned decimal, as the agent shows them), so a log pattern such as
 * {@code [dd.trace_id=%X{dd.trace_id} dd.span_id=%X{dd.span_id}]} ties each log line to its trace.
 *
 * <p>A {@link io.donuttracing.tracing.Tracer} installs it when SLF4J is present and {@code dd.logs.injection}
 * is not false.
 */
public final class MdcScopeListener implements ScopeListener {
  public static final String TRACE_ID = "dd.trace_id";
  public static final String SPAN_ID = "dd.span_id";

  /** Makes this listener the JVM's scope listener. */
  public static void install() {
    CurrentSpan.setListener(new MdcScopeListener());
  }

  @Override
  public void activeSpanChanged(Span span) {
    if (span == null) {
      MDC.remove(TRACE_ID);
      MDC.remove(SPAN_ID);
    } else {
      MDC.put(TRACE_ID, span.traceIdString());
      MDC.put(SPAN_ID, span.spanIdString());
    }
  }
}
