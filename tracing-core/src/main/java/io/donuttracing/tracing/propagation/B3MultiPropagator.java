package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.sampling.SamplingPriority;

/**
 * Zipkin's B3, one header per field (style {@code b3multi}, also {@code b3}):
 * <pre>
 * X-B3-TraceId: 16 or 32 hex     X-B3-SpanId: 16 hex     X-B3-Sampled: 1 | 0     X-B3-Flags: 1 (debug)
 * </pre>
 * {@code X-B3-ParentSpanId} is the caller's parent and is not needed to continue the trace.
 */
public final class B3MultiPropagator implements Propagator {
  static final String TRACE_ID = "x-b3-traceid";
  static final String SPAN_ID = "x-b3-spanid";
  static final String SAMPLED = "x-b3-sampled";
  static final String FLAGS = "x-b3-flags";

  @Override
  public <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    setter.set(carrier, TRACE_ID, traceIdHex(context));
    setter.set(carrier, SPAN_ID, Ids.hex(context.spanId()));
    if (context.samplingPriority() != SamplingPriority.UNSET) {
      setter.set(carrier, SAMPLED, context.samplingPriority() > 0 ? "1" : "0");
    }
  }

  static String traceIdHex(SpanContext context) {
    return context.traceIdHigh() == 0 ? Ids.hex(context.traceIdLow()) : context.traceIdHex();
  }

  @Override
  public <C> SpanContext extract(C carrier, Getter<C> getter) {
    try {
      String traceId = HeaderValues.firstValue(getter.get(carrier, TRACE_ID));
      String spanId = HeaderValues.firstValue(getter.get(carrier, SPAN_ID));
      if (traceId == null || spanId == null) {
        return null;
      }
      int priority = SamplingPriority.UNSET;
      String sampled = HeaderValues.firstValue(getter.get(carrier, SAMPLED));
      if ("1".equals(sampled) || "true".equalsIgnoreCase(sampled)) {
        priority = SamplingPriority.AUTO_KEEP;
      } else if ("0".equals(sampled) || "false".equalsIgnoreCase(sampled)) {
        priority = SamplingPriority.AUTO_REJECT;
      }
      if ("1".equals(HeaderValues.firstValue(getter.get(carrier, FLAGS)))) {
        priority = SamplingPriority.USER_KEEP;
      }
      return context(traceId, spanId, priority);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Builds a context from B3 ids, or null when they are malformed or zero. A 128-bit trace id counts as zero when
   * its low 64 bits are, the {@code trace_id} the agent gets (it drops a trace whose {@code trace_id} is 0), as
   * dd-trace-java's {@code B3HttpCodec} counts it ({@code B3TraceId.isValid}: {@code toLong() != 0}).
   */
  static SpanContext context(String traceId, String spanId, int priority) {
    int tl = traceId.length();
    if ((tl != 16 && tl != 32) || !HeaderValues.isHex(traceId, 0, tl) || spanId.length() != 16 || !HeaderValues.isHex(spanId, 0, 16)) {
      return null;
    }
    long high = tl == 32 ? HeaderValues.parseHex(traceId, 0, 16) : 0;
    long low = HeaderValues.parseHex(traceId, tl - 16, 16);
    long span = HeaderValues.parseHex(spanId, 0, 16);
    if (low == 0 || span == 0) {
      return null;
    }
    return SpanContext.of(high, low, span, priority);
  }
}
