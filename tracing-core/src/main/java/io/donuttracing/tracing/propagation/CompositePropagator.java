package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.SpanContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The propagation styles chosen by configuration ({@code DD_TRACE_PROPAGATION_STYLE}, default
 * {@code datadog,tracecontext}, or separately {@code ..._EXTRACT} and {@code ..._INJECT}). Injection writes
 * every style's headers; extraction tries the styles in order and the first one that finds a context
 * wins, so when Datadog and W3C headers disagree the first listed style decides (but other vendors'
 * {@code tracestate} members are kept from the W3C headers of the same trace).
 *
 * <p>Style names: {@code datadog}, {@code tracecontext}, {@code b3multi} (also {@code b3}),
 * {@code b3single} (also {@code b3 single header}), {@code none}.
 */
public final class CompositePropagator implements Propagator {
  private final Propagator[] extractors;
  private final Propagator[] injectors;

  public CompositePropagator(List<Propagator> extractors, List<Propagator> injectors) {
    this.extractors = extractors.toArray(new Propagator[0]);
    this.injectors = injectors.toArray(new Propagator[0]);
  }

  /** The propagator for comma-separated style lists, e.g. {@code of("datadog,tracecontext", "tracecontext")}. */
  public static CompositePropagator of(String extractStyles, String injectStyles) {
    return new CompositePropagator(parse(extractStyles), parse(injectStyles));
  }

  /** Parses a style list; unknown names are skipped. */
  public static List<Propagator> parse(String styles) {
    List<Propagator> result = new ArrayList<>();
    if (styles == null) {
      return result;
    }
    for (String raw : styles.split(",")) {
      String style = raw.trim().toLowerCase(Locale.ROOT);
      Propagator p;
      switch (style) {
        case "datadog":
          p = new DatadogPropagator();
          break;
        case "tracecontext":
          p = new W3CTraceContextPropagator();
          break;
        case "b3":
        case "b3multi":
          p = new B3MultiPropagator();
          break;
        case "b3single":
        case "b3 single header":
          p = new B3SinglePropagator();
          break;
        default:
          p = null; // "none" and unknown names
      }
      if (p != null && result.stream().noneMatch(q -> q.getClass() == p.getClass())) {
        result.add(p);
      }
    }
    return result;
  }

  @Override
  public <C> void inject(SpanContext context, C carrier, Setter<C> setter) {
    for (Propagator p : injectors) {
      p.inject(context, carrier, setter);
    }
  }

  @Override
  public <C> SpanContext extract(C carrier, Getter<C> getter) {
    for (int i = 0; i < extractors.length; i++) {
      SpanContext context = extractors[i].extract(carrier, getter);
      if (context != null) {
        return withOtherVendorsState(context, i, carrier, getter);
      }
    }
    return null;
  }

  /**
   * W3C asks every tracer on the way to pass on other vendors' {@code tracestate} members. When an earlier
   * style won (Datadog's headers, by default) and the W3C headers carry the same trace, their members are
   * kept from those, as Datadog's tracers keep them.
   */
  private <C> SpanContext withOtherVendorsState(SpanContext context, int winner, C carrier, Getter<C> getter) {
    if (context.w3cVendorState() != null) {
      return context;
    }
    for (int i = winner + 1; i < extractors.length; i++) {
      if (extractors[i] instanceof W3CTraceContextPropagator w3c) {
        String vendorState;
        try {
          vendorState = w3c.otherVendorsState(carrier, getter, context.traceIdLow());
        } catch (RuntimeException e) {
          return context; // a carrier that throws: the context as found
        }
        if (vendorState != null) {
          return new SpanContext(context.traceIdHigh(), context.traceIdLow(), context.spanId(),
              context.samplingPriority(), context.origin(), context.propagatedTags(), context.spanTags(),
              vendorState);
        }
      }
    }
    return context;
  }
}
