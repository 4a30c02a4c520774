package io.donuttracing.tracing.context;

import io.donuttracing.tracing.Span;

/**
 * One activation of a span on one thread: while the scope is open, {@link CurrentSpan#get()} returns its
 * span there. Closing it makes the span that was active before it active again. Closing does not finish
 * the span (a span can be activated many times, on many threads); {@link Span#close()} does both for the
 * scope that {@link io.donuttracing.tracing.Tracer#trace(String)} opened.
 *
 * <pre>{@code
 * try (Scope scope = CurrentSpan.activate(span)) {
 *   // code here sees span as the active span
 * }
 * }</pre>
 *
 * Scopes form a stack per thread: each remembers the scope it replaced. Close them in reverse order. If
 * one is closed while scopes opened after it are still open, those are closed with it (and a warning is
 * logged once), so that a forgotten scope cannot leak into the next task of a pooled thread. One closed on
 * another thread is taken off its own thread's stack when that thread next asks for its active span.
 */
public final class Scope implements AutoCloseable {
  final Span span;
  final Scope previous;
  /** Volatile: a scope may be closed on another thread than its own, which then sees it closed. */
  volatile boolean closed;

  Scope(Span span, Scope previous) {
    this.span = span;
    this.previous = previous;
  }

  /** The span this scope made active; null for a scope that cleared the context. */
  public Span span() {
    return span;
  }

  @Override
  public void close() {
    CurrentSpan.close(this);
  }
}
