package io.donuttracing.tracing;

import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.HashMap;
import java.util.Map;

/**
 * What crosses a process boundary: the ids of a span and the trace-wide decisions made for it.
 * Immutable.
 *
 * <p>A {@code SpanContext} comes from two places: {@link Span#context()} for a span of this process, and
 * {@link Tracer#extract} for the caller's span read from request headers. Either can be the parent of a
 * new span ({@link Tracer#trace(String, String, SpanContext)}).
 *
 * <p>Trace ids are 128 bits, as two longs. Only the low 64 bits travel as {@code trace_id} to the agent
 * and in Datadog's headers; the high 64 bits travel as the {@code _dd.p.tid} tag. Span ids are 64 bits.
 * All ids are unsigned: print them with {@link Long#toUnsignedString(long)}.
 */
public final class SpanContext {
  private final long traceIdHigh;
  private final long traceIdLow;
  private final long spanId;
  private final int samplingPriority;
  private final String origin;
  private final Map<String, String> propagatedTags;
  private final Map<String, String> spanTags;
  private final String w3cVendorState;
  /** Set when this context belongs to a span of this process: its children join the same local trace. */
  final LocalTrace localTrace;
  /** That span, whose service its children inherit and compare theirs with ({@link Span#isTopLevel()}). */
  final Span localSpan;

  /**
   * A remote context, as a propagator builds it.
   *
   * @param samplingPriority one of {@link SamplingPriority}, or {@link SamplingPriority#UNSET}
   * @param origin {@code x-datadog-origin}, or null
   * @param propagatedTags the {@code _dd.p.*} tags to carry on (without {@code _dd.p.tid}); may be empty. Other keys
   *     are left out: no header carries them (and W3C's {@code t.} names are cut from {@code _dd.p.} ones)
   * @param spanTags tags the extractor wants on the first local span, such as {@code _dd.propagation_error}
   * @param w3cVendorState other vendors' {@code tracestate} members, kept to pass on, or null
   */
  public SpanContext(long traceIdHigh, long traceIdLow, long spanId, int samplingPriority, String origin,
      Map<String, String> propagatedTags, Map<String, String> spanTags, String w3cVendorState) {
    this(traceIdHigh, traceIdLow, spanId, samplingPriority, origin, onlyPropagated(propagatedTags), spanTags,
        w3cVendorState, null, null);
  }

  /** The {@code _dd.p.*} tags of a map made anywhere (the propagators make only those; an application may not). */
  private static Map<String, String> onlyPropagated(Map<String, String> tags) {
    if (tags != null) {
      for (String key : tags.keySet()) {
        if (!isPropagated(key)) {
          Map<String, String> kept = new HashMap<>(tags);
          kept.keySet().removeIf(k -> !isPropagated(k));
          return kept;
        }
      }
    }
    return tags;
  }

  private static boolean isPropagated(String key) {
    return key != null && key.startsWith("_dd.p.") && key.length() > "_dd.p.".length() && !key.equals("_dd.p.tid");
  }

  SpanContext(long traceIdHigh, long traceIdLow, long spanId, int samplingPriority, String origin,
      Map<String, String> propagatedTags, Map<String, String> spanTags, String w3cVendorState,
      LocalTrace localTrace, Span localSpan) {
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
    this.spanId = spanId;
    this.samplingPriority = samplingPriority;
    this.origin = origin;
    this.propagatedTags = propagatedTags == null || propagatedTags.isEmpty() ? Map.of() : Map.copyOf(propagatedTags);
    this.spanTags = spanTags == null || spanTags.isEmpty() ? Map.of() : Map.copyOf(spanTags);
    this.w3cVendorState = w3cVendorState;
    this.localTrace = localTrace;
    this.localSpan = localSpan;
  }

  /** A remote context with just ids and a priority. */
  public static SpanContext of(long traceIdHigh, long traceIdLow, long spanId, int samplingPriority) {
    return new SpanContext(traceIdHigh, traceIdLow, spanId, samplingPriority, null, null, null, null);
  }

  public long traceIdHigh() {
    return traceIdHigh;
  }

  /** The 64 bits sent to the agent as {@code trace_id}. */
  public long traceIdLow() {
    return traceIdLow;
  }

  public long spanId() {
    return spanId;
  }

  /** One of {@link SamplingPriority}; {@link SamplingPriority#UNSET} when the caller sent none. */
  public int samplingPriority() {
    return samplingPriority;
  }

  public String origin() {
    return origin;
  }

  /** The {@code _dd.p.*} tags that travel with the trace (never {@code _dd.p.tid}, which is {@link #traceIdHigh()}). */
  public Map<String, String> propagatedTags() {
    return propagatedTags;
  }

  /** Tags for the first local span, e.g. {@code _dd.propagation_error}. */
  public Map<String, String> spanTags() {
    return spanTags;
  }

  /** Other vendors' W3C {@code tracestate} members, to be passed on unchanged; null if none. */
  public String w3cVendorState() {
    return w3cVendorState;
  }

  /** The trace id as 32 lower-case hex digits, as W3C {@code traceparent} writes it. */
  public String traceIdHex() {
    char[] out = new char[32];
    Ids.hex(traceIdHigh, out, 0);
    Ids.hex(traceIdLow, out, 16);
    return new String(out);
  }

  @Override
  public String toString() {
    return "SpanContext{trace_id=" + Long.toUnsignedString(traceIdLow) + ", span_id=" + Long.toUnsignedString(spanId)
        + ", tid=" + Ids.hex(traceIdHigh) + ", priority="
        + (samplingPriority == SamplingPriority.UNSET ? "unset" : samplingPriority)
        + (origin == null ? "" : ", origin=" + origin) + "}";
  }
}
