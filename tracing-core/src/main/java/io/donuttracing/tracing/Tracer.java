package io.donuttracing.tracing;

import io.donuttracing.tracing.context.CurrentSpan;
import io.donuttracing.tracing.context.Scope;
import io.donuttracing.tracing.propagation.CompositePropagator;
import io.donuttracing.tracing.propagation.Propagator;
import io.donuttracing.tracing.sampling.Sampler;
import io.donuttracing.tracing.sampling.SamplingPriority;
import io.donuttracing.tracing.writer.AgentWriter;
import io.donuttracing.tracing.writer.TraceWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Starts spans, keeps track of the active one, and sends finished traces to the agent.
 *
 * <p>The one statement to learn:
 *
 * <pre>{@code
 * Tracer tracer = Tracer.global();                         // configured from DD_* / dd.*
 * try (Span span = tracer.trace("beer.query", "db")) {     // child of the active span, or a new trace
 *   span.setTag("beer", name);
 *   return queryBeer(name);
 * }                                                         // finished; its parent is active again
 * }</pre>
 *
 * A span started without a service inherits its parent's ({@code tracer.trace("match")}); a root span
 * without one gets the tracer's service ({@code DD_SERVICE}). Or hand the work to the tracer, which also
 * records an escaping exception on the span (error, {@code error.type}, {@code error.msg},
 * {@code error.stack}) before rethrowing it:
 *
 * <pre>{@code
 * Beer beer = tracer.trace("beer.query", () -> queryBeer(name));
 * }</pre>
 *
 * <p>Between processes the trace travels in headers: {@link #inject(Span, BiConsumer)} writes them into
 * an outgoing request, {@link #extract(Function)} reads them from an incoming one, and
 * {@link #trace(String, String, SpanContext)} continues the caller's trace.
 *
 * <p>A trace leaves this process when its last local span finishes (long ones leave in parts, see
 * {@link TracerConfig}), through a {@link TraceWriter}: by default an {@link AgentWriter}, which never
 * blocks the application.
 */
public final class Tracer implements AutoCloseable {
  /** This library's version, sent to the agent as {@code Datadog-Meta-Tracer-Version}. */
  public static final String VERSION = "0.1.0";

  private static final long REAP_INTERVAL_NANOS = 1_000_000_000L;
  private static volatile Tracer global;

  private final TracerConfig config;
  private final TraceWriter writer;
  private final Sampler sampler;
  private final Propagator propagator;
  private final System.Logger log = System.getLogger(Tracer.class.getName());
  final int partialFlushMinSpans;
  private final long pendingTimeoutNanos;
  private final ConcurrentLinkedQueue<LocalTrace> awaitingStragglers = new ConcurrentLinkedQueue<>();
  private final long reapIntervalNanos;
  private volatile long nextReapTicks;

  private Tracer(TracerConfig config, TraceWriter writer, Sampler sampler) {
    this.config = config;
    this.sampler = sampler;
    this.writer = writer;
    this.propagator = CompositePropagator.of(config.propagationStyleExtract(), config.propagationStyleInject());
    this.partialFlushMinSpans = config.partialFlushMinSpans();
    this.pendingTimeoutNanos = config.pendingTimeout().toNanos();
    this.reapIntervalNanos = Math.min(REAP_INTERVAL_NANOS, pendingTimeoutNanos);
    this.nextReapTicks = System.nanoTime() + reapIntervalNanos;
    if (config.logsInjection()) {
      LogCorrelation.installIfSlf4jPresent();
    }
  }

  /**
   * A tracer that sends to the agent {@code config} names (or nowhere when {@link TracerConfig#enabled()} is
   * false: spans still work in-process, and debug logging still shows them).
   */
  public static Tracer create(TracerConfig config) {
    Sampler sampler = new Sampler(config.sampleRate(), config.rateLimit());
    TraceWriter writer = config.enabled() ? new AgentWriter(config, sampler::updateAgentRates) : TraceWriter.noop();
    return new Tracer(config, writer, sampler);
  }

  /** A tracer that hands finished traces to {@code writer}: for tests, or to send them elsewhere. */
  public static Tracer create(TracerConfig config, TraceWriter writer) {
    return new Tracer(config, writer, new Sampler(config.sampleRate(), config.rateLimit()));
  }

  /**
   * The process-wide tracer, for code without dependency injection: the one {@link #setGlobal} installed,
   * else one made on first use from {@link TracerConfig#fromEnvironment()}.
   */
  public static Tracer global() {
    Tracer t = global;
    if (t == null) {
      synchronized (Tracer.class) {
        t = global;
        if (t == null) {
          t = create(TracerConfig.fromEnvironment());
          global = t;
        }
      }
    }
    return t;
  }

  /** Installs the tracer {@link #global()} returns (Spring's auto-configuration installs its own). */
  public static void setGlobal(Tracer tracer) {
    synchronized (Tracer.class) {
      global = tracer;
    }
  }

  // ---- starting spans ---------------------------------------------------------------------------

  /**
   * Starts a span as a child of the active span (or as the root of a new trace) and makes it the active
   * span. Close it, with try-with-resources, to finish it and re-activate its parent. Its service is its
   * parent's, or the tracer's for a root.
   */
  public Span trace(String name) {
    return trace(name, (String) null);
  }

  /** {@link #trace(String)} with a service: {@code tracer.trace("beer.query", "db")}. Null inherits. */
  public Span trace(String name, String service) {
    Span span = startSpan(name, service);
    span.scope = CurrentSpan.activate(span);
    return span;
  }

  /**
   * Starts and activates a span whose parent is given explicitly: typically a context extracted from an
   * incoming request. A null parent starts a new trace, whatever span is active.
   */
  public Span trace(String name, String service, SpanContext parent) {
    Span span = startSpan(name, service, parent);
    span.scope = CurrentSpan.activate(span);
    return span;
  }

  /**
   * Starts a span as a child of the active span (or as the root of a new trace) without activating it: for
   * work that starts no spans of its own, or that ends elsewhere. Call {@link Span#finish()} when it ends.
   */
  public Span startSpan(String name, String service) {
    Span parent = CurrentSpan.get();
    return parent == null ? newRoot(name, service) : newChild(parent.trace, parent, name, service);
  }

  /**
   * Starts a span without activating it: for work that starts here and ends elsewhere (an asynchronous
   * client, a callback). Call {@link Span#finish()} when it ends. A null parent starts a new trace, and so does a
   * remote one whose trace id has its low 64 bits zero (from a propagator of the application's own): the agent
   * drops a trace whose {@code trace_id} is 0.
   */
  public Span startSpan(String name, String service, SpanContext parent) {
    if (parent == null || (parent.localTrace == null && parent.traceIdLow() == 0)) {
      return newRoot(name, service);
    }
    if (parent.localTrace != null) {
      return newChild(parent.localTrace, parent.localSpan, name, service);
    }
    return newChildOfRemote(parent, name, service);
  }

  /** Runs {@code work} inside a new active span; an exception it throws is recorded on the span, then rethrown. */
  public <T, E extends Throwable> T trace(String name, SpanCallable<T, E> work) throws E {
    return trace(name, null, work);
  }

  /** {@link #trace(String, SpanCallable)} with a service. */
  public <T, E extends Throwable> T trace(String name, String service, SpanCallable<T, E> work) throws E {
    Span span = trace(name, service);
    try {
      return work.call();
    } catch (Throwable t) {
      span.recordException(t);
      throw t;
    } finally {
      span.close();
    }
  }

  /** Runs {@code work}, which returns nothing, inside a new active span; see {@link #trace(String, SpanCallable)}. */
  public <E extends Throwable> void run(String name, SpanRunnable<E> work) throws E {
    run(name, null, work);
  }

  /** {@link #run(String, SpanRunnable)} with a service. */
  public <E extends Throwable> void run(String name, String service, SpanRunnable<E> work) throws E {
    Span span = trace(name, service);
    try {
      work.run();
    } catch (Throwable t) {
      span.recordException(t);
      throw t;
    } finally {
      span.close();
    }
  }

  /** Work that returns a value, for {@link #trace(String, SpanCallable)}; may throw any exception type E. */
  @FunctionalInterface
  public interface SpanCallable<T, E extends Throwable> {
    T call() throws E;
  }

  /** Work that returns nothing, for {@link #run(String, SpanRunnable)}. */
  @FunctionalInterface
  public interface SpanRunnable<E extends Throwable> {
    void run() throws E;
  }

  /** The active span of this thread, or null. */
  public Span activeSpan() {
    return CurrentSpan.get();
  }

  /** Makes a span (e.g. one from {@link #startSpan}) active on this thread until the scope closes. */
  public Scope activate(Span span) {
    return CurrentSpan.activate(span);
  }

  private Span newRoot(String name, String service) {
    String svc = service != null ? service : config.service();
    long ticks = System.nanoTime();
    long epochNanos = epochNanosNow();
    long traceIdLow = Ids.newSpanId();
    Sampler.Decision decision = sampler.decide(traceIdLow, svc, config.env());
    Map<String, String> propagated = SamplingPriority.isKept(decision.priority)
        ? Map.of("_dd.p.dm", decision.mechanism) : Map.of();
    LocalTrace trace = new LocalTrace(this, Ids.newTraceIdHigh(epochNanos), traceIdLow, decision.priority, null,
        propagated, null, epochNanos, ticks);
    Span span = new Span(trace, traceIdLow, 0, null, name, svc, ticks);
    tagDecision(span, decision);
    trace.setLocalRoot(span);
    trace.started();
    maybeReap(ticks);
    return span;
  }

  private static void tagDecision(Span span, Sampler.Decision decision) {
    span.putTag(decision.rateMetric, decision.rate);
    if (decision.rateLimit > 0) {
      span.putTag("_dd.limit_psr", decision.rateLimit);
    }
  }

  private Span newChildOfRemote(SpanContext remote, String name, String service) {
    String svc = service != null ? service : config.service();
    long ticks = System.nanoTime();
    int priority = remote.samplingPriority();
    Map<String, String> propagated = remote.propagatedTags();
    Sampler.Decision decision = null;
    if (priority == SamplingPriority.UNSET) {
      decision = sampler.decide(remote.traceIdLow(), svc, config.env());
      priority = decision.priority;
      if (SamplingPriority.isKept(priority)) {
        propagated = new HashMap<>(propagated);
        propagated.put("_dd.p.dm", decision.mechanism);
      }
    }
    LocalTrace trace = new LocalTrace(this, remote.traceIdHigh(), remote.traceIdLow(), priority, remote.origin(),
        Map.copyOf(propagated), remote.w3cVendorState(), epochNanosNow(), ticks);
    Span span = new Span(trace, Ids.newSpanId(), remote.spanId(), null, name, svc, ticks);
    if (decision != null) {
      tagDecision(span, decision);
    }
    for (Map.Entry<String, String> e : remote.spanTags().entrySet()) {
      span.putTag(e.getKey(), e.getValue());
    }
    trace.setLocalRoot(span);
    trace.started();
    maybeReap(ticks);
    return span;
  }

  private Span newChild(LocalTrace trace, Span parent, String name, String service) {
    Span span = new Span(trace, Ids.newSpanId(), parent.spanId(), parent, name,
        service != null ? service : parent.service(), System.nanoTime());
    trace.started();
    return span;
  }

  private static long epochNanosNow() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  // ---- propagation --------------------------------------------------------------------------------

  /** Writes {@code span}'s context as headers with the configured styles: {@code tracer.inject(span, headers::set)}. */
  public void inject(Span span, BiConsumer<String, String> setHeader) {
    inject(span.context(), setHeader, BiConsumer::accept);
  }

  /** Writes {@code span}'s context into a mutable map of headers. */
  public void inject(Span span, Map<String, String> headers) {
    inject(span.context(), headers, Propagator.mapSetter());
  }

  /** Writes a context into any carrier, through a setter. */
  public <C> void inject(SpanContext context, C carrier, Propagator.Setter<C> setter) {
    propagator.inject(context, carrier, setter);
  }

  /**
   * Reads the caller's context from incoming headers, e.g. {@code tracer.extract(request::getHeader)}; null
   * when there is none or it is malformed. {@code getHeader} receives lower-case names and must match
   * case-insensitively (servlet and Spring requests do).
   */
  public SpanContext extract(Function<String, String> getHeader) {
    return extract(getHeader, Function::apply);
  }

  /** Reads the caller's context from a map of headers, names in any case. */
  public SpanContext extract(Map<String, String> headers) {
    return extract(headers, Propagator.mapGetter());
  }

  /** Reads a context from any carrier, through a getter. */
  public <C> SpanContext extract(C carrier, Propagator.Getter<C> getter) {
    return propagator.extract(carrier, getter);
  }

  /** The configured propagator (all inject styles, extract styles in order). */
  public Propagator propagator() {
    return propagator;
  }

  // ---- where traces go ----------------------------------------------------------------------------

  /** A chunk of a trace is complete: decorate its first span with the trace-level tags, then hand it over. */
  void write(LocalTrace trace, List<Span> chunk) {
    Span first = chunk.get(0);
    int priority = trace.samplingPriority;
    if (priority != SamplingPriority.UNSET) {
      first.putTag("_sampling_priority_v1", priority);
    }
    if (trace.traceIdHigh != 0) {
      first.putTag("_dd.p.tid", Ids.hex(trace.traceIdHigh));
    }
    for (Map.Entry<String, String> e : trace.propagatedTags.entrySet()) {
      first.putTag(e.getKey(), e.getValue());
    }
    if (config.debug()) {
      for (Span span : chunk) {
        log.log(System.Logger.Level.INFO, "finished span\n" + span.describe());
      }
    }
    try {
      writer.write(chunk);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "the trace writer failed; the trace is lost", e);
    }
  }

  /** Spans finished after the local root wait for open ones: give those {@code dd.trace.pending.timeout}, then send without them. */
  void awaitStragglers(LocalTrace trace) {
    awaitingStragglers.add(trace);
  }

  /** Cheap check on each new trace; at most once a second, sends the finished spans of overdue traces. */
  private void maybeReap(long nowTicks) {
    if (nowTicks - nextReapTicks < 0 || awaitingStragglers.isEmpty()) {
      return;
    }
    nextReapTicks = nowTicks + reapIntervalNanos;
    reap(nowTicks, false);
  }

  private void reap(long nowTicks, boolean all) {
    for (LocalTrace trace; (trace = awaitingStragglers.peek()) != null; ) {
      if (!all && nowTicks - trace.awaitingSinceTicks < pendingTimeoutNanos) {
        return; // queued in the order they began to wait: the rest are younger
      }
      if (awaitingStragglers.remove(trace)) {
        trace.flushFinished();
      }
    }
  }

  /** Sends the finished spans of traces still waiting for late children, and waits for the writer. */
  public boolean flush(Duration timeout) {
    reap(System.nanoTime(), true);
    return writer.flush(timeout);
  }

  /** Flushes and closes the writer. Spans finished afterwards are dropped. */
  @Override
  public void close() {
    reap(System.nanoTime(), true);
    writer.close();
    synchronized (Tracer.class) {
      if (global == this) {
        global = null;
      }
    }
  }

  public TracerConfig config() {
    return config;
  }

  public TraceWriter writer() {
    return writer;
  }

  public Sampler sampler() {
    return sampler;
  }
}
