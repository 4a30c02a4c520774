package io.donuttracing.tracing.context;

import io.donuttracing.tracing.Span;

/**
 * Told each time the active span of the current thread changes, on that thread. Log correlation
 * ({@link io.donuttracing.tracing.contrib.slf4j.MdcScopeListener}) is built on it. Must be quick; an exception
 * it throws is logged once and otherwise ignored, so that it cannot break the application's work.
 */
@FunctionalInterface
public interface ScopeListener {
  /** @param span the span now active on this thread, or null when none is */
  void activeSpanChanged(Span span);
}
