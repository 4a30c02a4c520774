package io.donuttracing.tracing.context;

import io.donuttracing.tracing.Span;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The active span of each thread, and the wrappers that carry it to other threads.
 *
 * <p>The active span is the implicit parent of the next span {@link io.donuttracing.tracing.Tracer#trace(String)}
 * starts. It lives in a {@link ThreadLocal}, so it follows the code only as long as the code stays on one
 * thread. When work moves to another thread (an executor, a {@link CompletableFuture}) the active span
 * must be carried explicitly: capture it where the task is created and activate it where the task runs.
 * That is all the {@code wrap} methods do:
 *
 * <pre>{@code
 * ExecutorService pool = CurrentSpan.wrap(Executors.newFixedThreadPool(4));
 * try (Span span = tracer.trace("pair")) {
 *   pool.submit(() -> tracer.trace("taste", () -> taster.score(beer, donut))); // child of "pair"
 * }
 * }</pre>
 *
 * Every wrapper restores the worker thread's previous context when the task ends, whatever the task did,
 * so no span leaks from one task to the next on a pooled thread.
 */
public final class CurrentSpan {
  private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
  private static final AtomicBoolean WARNED_OUT_OF_ORDER = new AtomicBoolean();
  private static final AtomicBoolean WARNED_LISTENER_THREW = new AtomicBoolean();
  private static volatile ScopeListener listener;

  private CurrentSpan() {}

  /** The active span of this thread, or null. */
  public static Span get() {
    Scope scope = current();
    return scope == null ? null : scope.span;
  }

  /**
   * This thread's innermost open scope. A scope closed on another thread (a span that {@code trace()} opened
   * here and another thread closed) cannot be taken off this thread's stack from there: it is taken off here,
   * the next time this thread looks, so that a finished span never becomes the parent of the next one.
   */
  private static Scope current() {
    Scope scope = CURRENT.get();
    if (scope == null || !scope.closed) {
      return scope;
    }
    Scope open = scope.previous;
    while (open != null && open.closed) {
      open = open.previous;
    }
    CURRENT.set(open);
    notifyListener(open == null ? null : open.span);
    return open;
  }

  /**
   * Makes {@code span} the active span of this thread until the returned scope is closed. A null span
   * clears the context for the scope's duration.
   */
  public static Scope activate(Span span) {
    Scope scope = new Scope(span, current());
    CURRENT.set(scope);
    notifyListener(span);
    return scope;
  }

  static void close(Scope scope) {
    if (scope.closed) {
      return;
    }
    scope.closed = true;
    Scope current = CURRENT.get();
    if (current != scope) {
      // Out of order: scopes opened after this one are still open. Pop them too, so that the context
      // below this scope is restored; closing them later is then a no-op.
      Scope s = current;
      while (s != null && s != scope) {
        s = s.previous;
      }
      if (WARNED_OUT_OF_ORDER.compareAndSet(false, true)) {
        System.getLogger(CurrentSpan.class.getName()).log(System.Logger.Level.WARNING,
            "A scope was closed out of order (or on another thread); this is logged once. Active span: "
                + (current == null ? null : current.span) + ", closed scope's span: " + scope.span);
      }
      if (s == null) {
        return; // not on this thread's stack: nothing to restore here
      }
      for (Scope inner = current; inner != scope; inner = inner.previous) {
        inner.closed = true;
      }
    }
    Scope previous = scope.previous;
    while (previous != null && previous.closed) {
      previous = previous.previous;
    }
    CURRENT.set(previous);
    notifyListener(previous == null ? null : previous.span);
  }

  /**
   * Sets the listener told of every change of the active span (one listener for the JVM; null removes it).
   */
  public static void setListener(ScopeListener newListener) {
    listener = newListener;
  }

  /** The installed listener, or null. */
  public static ScopeListener listener() {
    return listener;
  }

  private static void notifyListener(Span span) {
    ScopeListener l = listener;
    if (l != null) {
      try {
        l.activeSpanChanged(span);
      } catch (RuntimeException e) { // a listener's bug must not break the application's request, nor its spans
        if (WARNED_LISTENER_THREW.compareAndSet(false, true)) {
          System.getLogger(CurrentSpan.class.getName()).log(System.Logger.Level.WARNING,
              "The scope listener " + l + " threw; this is logged once", e);
        }
      }
    }
  }

  // ---- carrying the context to other threads -------------------------------------------------------

  /** A runnable that runs with the span active now (at wrapping time) as its active span. */
  public static Runnable wrap(Runnable task) {
    Span captured = get();
    return () -> {
      try (Scope ignored = activate(captured)) {
        task.run();
      }
    };
  }

  /** A callable that runs with the span active now as its active span. */
  public static <T> Callable<T> wrap(Callable<T> task) {
    Span captured = get();
    return () -> {
      try (Scope ignored = activate(captured)) {
        return task.call();
      }
    };
  }

  /**
   * A supplier that runs with the span active now, e.g. for {@link CompletableFuture#supplyAsync(Supplier)}.
   * (Not an overload of {@code wrap}: a lambda would fit both {@code Callable} and {@code Supplier}.)
   */
  public static <T> Supplier<T> wrapSupplier(Supplier<T> task) {
    Span captured = get();
    return () -> {
      try (Scope ignored = activate(captured)) {
        return task.get();
      }
    };
  }

  /** An executor whose tasks run with the span that was active when each task was submitted. */
  public static Executor wrap(Executor executor) {
    if (executor instanceof ExecutorService) {
      return wrap((ExecutorService) executor);
    }
    return task -> executor.execute(wrap(task));
  }

  /** An executor service whose tasks run with the span that was active when each task was submitted. */
  public static ExecutorService wrap(ExecutorService executor) {
    return executor instanceof ContextExecutorService ? executor : new ContextExecutorService(executor);
  }

  /** {@link CompletableFuture#supplyAsync(Supplier, Executor)} with the active span carried to the task. */
  public static <T> CompletableFuture<T> supplyAsync(Supplier<T> task, Executor executor) {
    return CompletableFuture.supplyAsync(wrapSupplier(task), executor);
  }

  /** {@link CompletableFuture#runAsync(Runnable, Executor)} with the active span carried to the task. */
  public static CompletableFuture<Void> runAsync(Runnable task, Executor executor) {
    return CompletableFuture.runAsync(wrap(task), executor);
  }
}
