package io.donuttracing.tracing;

import io.donuttracing.tracing.context.Scope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One timed operation: a request served, a query run, a call made. Datadog's span model:
 *
 * <ul>
 *   <li>{@link #name()} the kind of operation ({@code servlet.request}, {@code h2.query});</li>
 *   <li>{@link #service()} who did it ({@code matchmaker}, {@code db});</li>
 *   <li>{@link #resource()} what exactly ({@code GET /pair/beer}, the SQL text);</li>
 *   <li>{@link #type()} {@code web}, {@code http}, {@code sql}, {@code redis}, {@code custom};</li>
 *   <li>ids: {@link #traceId()}, {@link #spanId()}, {@link #parentId()} (0 for a root);</li>
 *   <li>start (ns since the epoch) and duration (ns, from a monotonic clock);</li>
 *   <li>{@link #isError()}, string tags ({@link #tags()}, the wire's {@code meta}) and numeric tags
 *       ({@link #metrics()}).</li>
 * </ul>
 *
 * Spans come from a {@link Tracer}. The usual way is one statement:
 *
 * <pre>{@code
 * try (Span span = tracer.trace("beer.query", "db")) {
 *   span.setTag("beer", name);
 *   return repository.find(name);
 * } // closing finishes the span and makes its parent the active span again
 * }</pre>
 *
 * A span is meant to be written by one thread at a time (the executor wrappers of
 * {@link io.donuttracing.tracing.context.CurrentSpan} hand it over safely). After it finishes it no longer
 * changes: later tags are ignored, and finishing it again does nothing.
 */
public final class Span implements AutoCloseable {
  private static final long UNFINISHED = -1;
  private static final Object[] NO_TAGS = {};

  final LocalTrace trace;
  private final long spanId;
  private final long parentId;
  /** The parent when it is a span of this process; null for a root or a remote parent. */
  private final Span parent;
  private final long startTicks;
  private final long startEpochNanos;
  private String name;
  private String service;
  private String resource;
  private String type;
  private int error;
  /**
   * The tags, as key, value, key, value...: a String value is a string tag (the wire's meta), a Number a
   * numeric one (metrics). A span has a handful, so one array searched from the start costs less than hash
   * maps and their entries (Brave's MutableSpan keeps its tags the same way).
   */
  private Object[] tags = NO_TAGS;
  private int tagsLength;
  private volatile long durationNanos = UNFINISHED;
  private String spanIdString;
  /** The scope {@link Tracer#trace} opened for this span; closed by {@link #close()}. */
  Scope scope;

  Span(LocalTrace trace, long spanId, long parentId, Span parent, String name, String service, long startTicks) {
    this.trace = trace;
    this.spanId = spanId;
    this.parentId = parentId;
    this.parent = parent;
    this.name = name;
    this.service = service;
    this.startTicks = startTicks;
    this.startEpochNanos = trace.epochNanos(startTicks);
  }

  // ---- ids and the trace -------------------------------------------------------------------------

  /** The low 64 bits of the trace id: the {@code trace_id} the agent sees. Unsigned. */
  public long traceId() {
    return trace.traceIdLow;
  }

  /** The high 64 bits of the 128-bit trace id (sent as the {@code _dd.p.tid} tag). */
  public long traceIdHigh() {
    return trace.traceIdHigh;
  }

  /** Unsigned, never 0. */
  public long spanId() {
    return spanId;
  }

  /**
   * {@link #traceId()} in unsigned decimal, as log lines and the agent show it. Made once per trace: log
   * correlation asks for it every time the active span changes.
   */
  public String traceIdString() {
    return trace.traceIdString();
  }

  /** {@link #spanId()} in unsigned decimal; made once. */
  public String spanIdString() {
    String s = spanIdString;
    if (s == null) {
      s = Ids.decimal(spanId);
      spanIdString = s; // a race only makes the same string twice
    }
    return s;
  }

  /** The parent's span id; 0 for the root of a trace. */
  public long parentId() {
    return parentId;
  }

  /**
   * Whether this span is where its service enters the trace: a root, the child of a span from another process,
   * or of a span of another service. The agent's statistics count these spans' hits, errors and latencies as
   * the service's own. Read from the parent itself, not from the chunk the span leaves in, so a chunk sent
   * before its parent (a partial flush) is still counted right; and from the parent's service as it is when
   * asked (when the span is sent), so a parent given its service after its children started compares as the
   * agent sees it. (dd-trace-java keeps the parent's service as it was when the child started.)
   */
  public boolean isTopLevel() {
    Span p = parent;
    // p.service may be set by the thread running the parent while this span is sent (a partial flush): either
    // value is a whole String, the one before or the one after
    return p == null || !Objects.equals(p.service, service);
  }

  /** The context to propagate to another process or to use as an explicit parent. */
  public SpanContext context() {
    return new SpanContext(trace.traceIdHigh, trace.traceIdLow, spanId, trace.samplingPriority, trace.origin,
        trace.propagatedTags, null, trace.w3cVendorState, trace, this);
  }

  /** The trace's sampling priority (see {@link io.donuttracing.tracing.sampling.SamplingPriority}). */
  public int samplingPriority() {
    return trace.samplingPriority;
  }

  /**
   * Overrides the trace's sampling decision, e.g. {@code SamplingPriority.USER_KEEP} to keep a trace that
   * shows a rare problem. Affects the whole trace and what is propagated from now on.
   */
  public Span setSamplingPriority(int priority) {
    trace.setSamplingPriorityByUser(priority);
    return this;
  }

  /** The trace's origin ({@code x-datadog-origin}), or null. */
  public String origin() {
    return trace.origin;
  }

  // ---- name, service, resource, type -------------------------------------------------------------

  public String name() {
    return name;
  }

  public Span setName(String name) {
    if (!isFinished()) {
      this.name = name;
    }
    return this;
  }

  public String service() {
    return service;
  }

  public Span setService(String service) {
    if (!isFinished()) {
      this.service = service;
    }
    return this;
  }

  /** The resource; when none was set, the agent uses the name. */
  public String resource() {
    return resource == null ? name : resource;
  }

  public Span setResource(String resource) {
    if (!isFinished()) {
      this.resource = resource;
    }
    return this;
  }

  /** {@code web}, {@code http}, {@code sql}, {@code redis}, {@code custom}, or null. */
  public String type() {
    return type;
  }

  public Span setType(String type) {
    if (!isFinished()) {
      this.type = type;
    }
    return this;
  }

  // ---- tags ---------------------------------------------------------------------------------------

  /**
   * Sets a string tag ({@code meta} on the wire); a null value removes it. A key holds one value: a string
   * tag replaces a numeric one of the same key, and the other way round. A null key is ignored: a tag the
   * agent could not read must not throw into the application.
   */
  public Span setTag(String key, String value) {
    if (key != null && !isFinished()) {
      if (value == null) {
        removeTag(key);
      } else {
        putTag(key, value);
      }
    }
    return this;
  }

  /** Sets a boolean tag, stored as the string {@code "true"} or {@code "false"}. */
  public Span setTag(String key, boolean value) {
    return setTag(key, value ? "true" : "false");
  }

  /** Sets a numeric tag ({@code metrics} on the wire). */
  public Span setTag(String key, long value) {
    return setMetric(key, value);
  }

  /**
   * Sets a numeric tag ({@code metrics} on the wire). NaN and the infinities become string tags ({@code "NaN"},
   * {@code "Infinity"}): JSON, the v0.3 format, has no number for them, and a tag should read the same
   * whichever format carries it.
   */
  public Span setTag(String key, double value) {
    return Double.isFinite(value) ? setMetric(key, value) : setTag(key, Double.toString(value));
  }

  private Span setMetric(String key, Number value) {
    if (key != null && !isFinished()) {
      putTag(key, value);
    }
    return this;
  }

  /** Sets a tag whatever the span's state: for the tracer's own tags, some written after the span finished. */
  void putTag(String key, Object value) {
    int i = indexOf(key);
    if (i >= 0) {
      tags[i + 1] = value;
      return;
    }
    if (tagsLength == tags.length) {
      tags = Arrays.copyOf(tags, Math.max(8, tagsLength * 2));
    }
    tags[tagsLength++] = key;
    tags[tagsLength++] = value;
  }

  private void removeTag(String key) {
    int i = indexOf(key);
    if (i >= 0) {
      System.arraycopy(tags, i + 2, tags, i, tagsLength - i - 2);
      tagsLength -= 2;
      tags[tagsLength] = null;
      tags[tagsLength + 1] = null;
    }
  }

  private int indexOf(String key) {
    int hash = key.hashCode(); // kept in the String: comparing it first makes a key that differs cost one load
    for (int i = 0; i < tagsLength; i += 2) {
      String k = (String) tags[i];
      if (k == key || k.hashCode() == hash && k.equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** One string tag, or null. */
  public String tag(String key) {
    int i = key == null ? -1 : indexOf(key);
    return i >= 0 && tags[i + 1] instanceof String ? (String) tags[i + 1] : null;
  }

  /** One numeric tag, or null. */
  public Number metric(String key) {
    int i = key == null ? -1 : indexOf(key);
    return i >= 0 && tags[i + 1] instanceof Number ? (Number) tags[i + 1] : null;
  }

  /**
   * How many tags the span has, string and numeric. With {@link #tagKeyAt} and {@link #tagValueAt}, this is
   * how encoders read the tags without copying them.
   */
  public int tagCount() {
    return tagsLength / 2;
  }

  /** The key of tag {@code i}, 0 &lt;= i &lt; {@link #tagCount()}, in the order tags were first set. */
  public String tagKeyAt(int i) {
    return (String) tags[2 * i];
  }

  /** The value of tag {@code i}: a String (the wire's meta) or a Number (metrics). */
  public Object tagValueAt(int i) {
    return tags[2 * i + 1];
  }

  /** The string tags, in the order they were first set; a copy. */
  public Map<String, String> tags() {
    return tagsOfType(String.class);
  }

  /** The numeric tags, in the order they were first set; a copy. */
  public Map<String, Number> metrics() {
    return tagsOfType(Number.class);
  }

  private <T> Map<String, T> tagsOfType(Class<T> type) {
    Map<String, T> map = new LinkedHashMap<>();
    for (int i = 0; i < tagsLength; i += 2) {
      if (type.isInstance(tags[i + 1])) {
        map.put((String) tags[i], type.cast(tags[i + 1]));
      }
    }
    return Collections.unmodifiableMap(map);
  }

  // ---- errors -------------------------------------------------------------------------------------

  public boolean isError() {
    return error != 0;
  }

  /** Marks the span as failed (error=1) or not. */
  public Span setError(boolean failed) {
    if (!isFinished()) {
      error = failed ? 1 : 0;
    }
    return this;
  }

  /**
   * Marks the span as failed by {@code t}: error=1 and the tags {@code error.type} (the class name),
   * {@code error.msg} and {@code error.stack}, which is what the agent and its UI look for.
   */
  public Span recordException(Throwable t) {
    if (t == null || isFinished()) {
      return this;
    }
    error = 1;
    setTag("error.type", t.getClass().getName());
    try { // the application's exception, whose getMessage() or stack may throw: that must not replace it
      setTag("error.msg", t.getMessage() == null ? "" : t.getMessage());
      StringWriter stack = new StringWriter();
      t.printStackTrace(new PrintWriter(stack));
      String text = stack.toString();
      setTag("error.stack", text.length() > 20_000 ? text.substring(0, 20_000) : text);
    } catch (RuntimeException | StackOverflowError ignored) {
      // the span keeps error=1 and the type
    }
    return this;
  }

  // ---- time and the end ---------------------------------------------------------------------------

  /** Start, in nanoseconds since the Unix epoch. */
  public long startEpochNanos() {
    return startEpochNanos;
  }

  /** Duration in nanoseconds; -1 while the span is running. */
  public long durationNanos() {
    return durationNanos;
  }

  public boolean isFinished() {
    return durationNanos != UNFINISHED;
  }

  /**
   * Ends the span now. Once the last span of this process in its trace has finished, the trace is handed
   * to the writer. Finishing twice does nothing. Does not change the active span: see {@link #close()}.
   */
  public void finish() {
    trace.finish(this, System.nanoTime());
  }

  /** Called by the trace, under its lock: returns false if the span was already finished. */
  boolean markFinished(long endTicks) {
    if (durationNanos != UNFINISHED) {
      return false;
    }
    durationNanos = Math.max(0, endTicks - startTicks);
    return true;
  }

  /**
   * Finishes the span and, if {@link Tracer#trace} made it the active span, makes the span that was active
   * before it active again. This is what try-with-resources calls.
   */
  @Override
  public void close() {
    finish();
    Scope s = scope;
    if (s != null) {
      s.close();
    }
  }

  /** One line, for logs. */
  @Override
  public String toString() {
    return "Span{name=" + name + ", service=" + service + ", resource=" + resource() + ", trace_id="
        + Long.toUnsignedString(trace.traceIdLow) + ", span_id=" + Long.toUnsignedString(spanId) + ", parent_id="
        + Long.toUnsignedString(parentId) + "}";
  }

  /**
   * The span in the layout of the Python tracer's debug log (the workshop's step 7), one field a line:
   * name, id, trace_id, parent_id, service, resource, type, start, end, duration, error, tags.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder(256);
    long duration = durationNanos;
    sb.append("name ").append(name).append('\n')
        .append("id ").append(Long.toUnsignedString(spanId)).append('\n')
        .append("trace_id ").append(Long.toUnsignedString(trace.traceIdLow)).append('\n')
        .append("parent_id ").append(parentId == 0 ? "None" : Long.toUnsignedString(parentId)).append('\n')
        .append("service ").append(service).append('\n')
        .append("resource ").append(resource()).append('\n')
        .append("type ").append(type == null ? "None" : type).append('\n')
        .append("start ").append(seconds(startEpochNanos)).append('\n')
        .append("end ").append(duration < 0 ? "None" : seconds(startEpochNanos + duration)).append('\n')
        .append("duration ").append(duration < 0 ? "None" : String.format("%.6fs", duration / 1e9)).append('\n')
        .append("error ").append(error).append('\n')
        .append("tags");
    for (int i = 0; i < tagsLength; i += 2) {
      if (!tags[i].equals("error.stack")) {
        sb.append("\n    ").append(tags[i]).append(": ").append(tags[i + 1]);
      }
    }
    return sb.toString();
  }

  private static String seconds(long epochNanos) {
    return String.format("%d.%06d", epochNanos / 1_000_000_000L, (epochNanos % 1_000_000_000L) / 1000);
  }

  /** The raw error flag, 0 or 1, for encoders. */
  public int error() {
    return error;
  }
}
