package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.sampling.SamplingPriority;

/**
 * Zipkin's B3 in one header (style {@code b3single}): {@code b3: <trace id>-<span id>[-<1|0|d>[-<parent>]]}.
 * A header holding only a decision ({@code b3: 0}) carries no ids and starts a new trace.
 */
public final class B3SinglePropagator implements Propagator {
  static final String B3 = "b3";

  @Override
  public <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    String value = B3MultiPropagator.traceIdHex(context) + '-' + Ids.hex(context.spanId());
    if (context.samplingPriority() != SamplingPriority.UNSET) {
      value += context.samplingPriority() > 0 ? "-1" : "-0";
    }
    setter.set(carrier, B3, value);
  }

  @Override
  public <C> SpanContext extract(C carrier, Getter<C> getter) {
    try {
      String header = getter.get(carrier, B3);
      if (header == null) {
        return null;
      }
      String[] parts = header.trim().split("-", -1);
      if (parts.length < 2 || parts.length > 4) {
        return null;
      }
      int priority = SamplingPriority.UNSET;
      if (parts.length >= 3) {
        switch (parts[2]) {
          case "1":
            priority = SamplingPriority.AUTO_KEEP;
            break;
          case "0":
            priority = SamplingPriority.AUTO_REJECT;
            break;
          case "d":
            priority = SamplingPriority.USER_KEEP;
            break;
          default:
            return null;
        }
      }
      return B3MultiPropagator.context(parts[0], parts[1], priority);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
