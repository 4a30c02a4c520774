package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.HashMap;
import java.util.Map;

/**
 * Datadog's own headers:
 * <pre>
 * x-datadog-trace-id: 1234567890123456789        low 64 bits of the trace id, unsigned decimal
 * x-datadog-parent-id: 987654321                 the caller's span id, unsigned decimal
 * x-datadog-sampling-priority: 1                 -1, 0, 1 or 2
 * x-datadog-origin: synthetics                   optional
 * x-datadog-tags: _dd.p.dm=-1,_dd.p.tid=66e3f5a800000000   _dd.p.* only; tid = high 64 bits, 16 hex
 * </pre>
 * A malformed id or priority drops the whole context (the request starts a new trace). A malformed
 * {@code x-datadog-tags} keeps the context, drops the tags and records {@code _dd.propagation_error}: all of
 * them, as dd-trace-java does, when a single one is malformed (a bad {@code _dd.p.tid} or {@code _dd.p.dm} too).
 */
public final class DatadogPropagator implements Propagator {
  static final String TRACE_ID = "x-datadog-trace-id";
  static final String PARENT_ID = "x-datadog-parent-id";
  static final String PRIORITY = "x-datadog-sampling-priority";
  static final String ORIGIN = "x-datadog-origin";
  static final String TAGS = "x-datadog-tags";
  /**
   * A longer {@code x-datadog-tags} is not sent at all, as Datadog's tracers do (they also tag the span
   * {@code _dd.propagation_error: inject_max_size}; this one does not). The trace id's high half is lost with
   * it for a Datadog-only callee; {@code traceparent}, also sent by default, still carries it.
   */
  private static final int MAX_TAGS_LENGTH = 512;
  /**
   * A longer origin is none: Datadog's are short names ({@code synthetics}, {@code rum}, {@code lambda}), and a
   * caller's must not grow every header this process sends on, nor push our {@code tracestate} member past 256.
   */
  static final int MAX_ORIGIN_LENGTH = 128;

  @Override
  public <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    setter.set(carrier, TRACE_ID, Ids.decimal(context.traceIdLow()));
    setter.set(carrier, PARENT_ID, Ids.decimal(context.spanId()));
    if (context.samplingPriority() != SamplingPriority.UNSET) {
      setter.set(carrier, PRIORITY, Integer.toString(context.samplingPriority()));
    }
    String origin = origin(context.origin());
    if (origin != null) {
      setter.set(carrier, ORIGIN, origin);
    }
    String tags = encodeTags(context);
    if (!tags.isEmpty()) {
      setter.set(carrier, TAGS, tags);
    }
  }

  static String encodeTags(SpanContext context) {
    if (context.propagatedTags().isEmpty() && context.traceIdHigh() == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder(64);
    for (Map.Entry<String, String> e : context.propagatedTags().entrySet()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    if (context.traceIdHigh() != 0) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append("_dd.p.tid=");
      long high = context.traceIdHigh();
      for (int shift = 60; shift >= 0; shift -= 4) {
        sb.append(Character.forDigit((int) (high >>> shift) & 0xF, 16));
      }
    }
    return sb.length() > MAX_TAGS_LENGTH ? "" : sb.toString();
  }

  @Override
  public <C> SpanContext extract(C carrier, Getter<C> getter) {
    try {
      String traceIdText = HeaderValues.firstValue(getter.get(carrier, TRACE_ID));
      if (traceIdText == null || !HeaderValues.validUnsignedDecimal(traceIdText)) {
        return null;
      }
      long traceId = HeaderValues.parseUnsignedDecimal(traceIdText);
      if (traceId == 0) {
        return null;
      }
      long parentId = 0;
      String parentText = HeaderValues.firstValue(getter.get(carrier, PARENT_ID));
      if (parentText != null) {
        if (!HeaderValues.validUnsignedDecimal(parentText)) {
          return null;
        }
        parentId = HeaderValues.parseUnsignedDecimal(parentText);
      }
      int priority = SamplingPriority.UNSET;
      String priorityText = HeaderValues.firstValue(getter.get(carrier, PRIORITY));
      if (priorityText != null) {
        priority = HeaderValues.parseSmallInt(priorityText);
        if (priority == Integer.MIN_VALUE) {
          return null;
        }
      }
      String origin = origin(HeaderValues.firstValue(getter.get(carrier, ORIGIN)));
      String tags = getter.get(carrier, TAGS);
      if (tags == null || tags.isEmpty()) {
        return new SpanContext(0, traceId, parentId, priority, origin, null, null, null);
      }
      Map<String, String> propagated = new HashMap<>(4); // a few _dd.p.* tags
      Map<String, String> spanTags = new HashMap<>();
      long traceIdHigh = decodeTags(tags, propagated, spanTags);
      return new SpanContext(traceIdHigh, traceId, parentId, priority, origin, propagated, spanTags, null);
    } catch (RuntimeException e) {
      return null; // a carrier's getter failed: treat as no context, never break the request
    }
  }

  /** The origin if it can go on in a header: printable ASCII, at most {@value #MAX_ORIGIN_LENGTH} characters; else null. */
  static String origin(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_ORIGIN_LENGTH) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < ' ' || s.charAt(i) > '~') {
        return null;
      }
    }
    return s;
  }

  /** Fills the {@code _dd.p.*} tags; returns the trace id's high bits from {@code _dd.p.tid} (0 if none). */
  static long decodeTags(String header, Map<String, String> propagated, Map<String, String> spanTags) {
    if (header == null || header.isEmpty()) {
      return 0;
    }
    if (header.length() > MAX_TAGS_LENGTH) {
      spanTags.put("_dd.propagation_error", "extract_max_size");
      return 0;
    }
    long high = 0;
    for (int from = 0; from <= header.length(); ) { // each member is header[from, end): key=value
      int comma = header.indexOf(',', from);
      int end = comma < 0 ? header.length() : comma;
      int eq = header.indexOf('=', from);
      if (eq <= from || eq >= end - 1 || !validKey(header, from, eq) || !validValue(header, eq + 1, end)) {
        propagated.clear();
        spanTags.put("_dd.propagation_error", "decoding_error");
        return 0;
      }
      if (header.startsWith("_dd.p.tid=", from)) {
        if (end - eq - 1 != 16 || !HeaderValues.isLowerHex(header, eq + 1, 16)) {
          propagated.clear();
          spanTags.put("_dd.propagation_error", "malformed_tid " + header.substring(eq + 1, end));
          return 0;
        }
        high = HeaderValues.parseHex(header, eq + 1, 16);
      } else if (header.startsWith("_dd.p.", from)) {
        String value = header.substring(eq + 1, end);
        if (header.startsWith("_dd.p.dm=", from) && !isDecisionMaker(value)) {
          propagated.clear();
          spanTags.put("_dd.propagation_error", "decoding_error");
          return 0;
        }
        propagated.put(header.substring(from, eq), value);
      }
      from = end + 1;
    }
    return high;
  }

  /** Whether {@code _dd.p.dm} is well formed: an optional 10-hex-digit service hash, {@code -}, the mechanism's digits. */
  static boolean isDecisionMaker(String dm) {
    int dash = dm.indexOf('-');
    if ((dash != 0 && dash != 10) || dash == dm.length() - 1 || !HeaderValues.isLowerHex(dm, 0, dash)) {
      return false;
    }
    for (int i = dash + 1; i < dm.length(); i++) {
      if (dm.charAt(i) < '0' || dm.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean validKey(String s, int from, int end) {
    for (int i = from; i < end; i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c > '~' || c == ',' || c == '=') {
        return false;
      }
    }
    return true;
  }

  private static boolean validValue(String s, int from, int end) {
    for (int i = from; i < end; i++) {
      char c = s.charAt(i);
      if (c < ' ' || c > '~' || c == ',') {
        return false;
      }
    }
    return true;
  }
}
