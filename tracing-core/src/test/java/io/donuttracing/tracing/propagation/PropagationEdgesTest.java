package io.donuttracing.tracing.propagation;

import static io.donuttracing.tracing.propagation.PropagationTest.TP;
import static io.donuttracing.tracing.propagation.PropagationTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.SpanContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Edges of the parsing that reads headers in place, by index, rather than through substrings. */
class PropagationEdgesTest {
  static final String TRACE_ID = Long.toUnsignedString(0x8448eb211c80319cL); // the low half of TP's trace id

  static SpanContext extract(Propagator p, Map<String, String> h) {
    return p.extract(h, Propagator.mapGetter());
  }

  @Test
  void otherVendorsStateComesAlongOnlyFromAValidTraceparentOfTheSameTrace() {
    Propagator both = CompositePropagator.of("datadog,tracecontext", "none");
    String state = " dd=s:1;p:b7ad6b7169203331 ,, congo=t61 ,rojo=00f0";
    assertThat(extract(both, headers("x-datadog-trace-id", TRACE_ID, "traceparent", TP, "tracestate", state))
        .w3cVendorState()).isEqualTo("congo=t61,rojo=00f0");
    for (String badTraceparent : new String[] {
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // no parent
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", // upper case
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", // version ff
        TP + "-"}) {
      SpanContext c = extract(both, headers("x-datadog-trace-id", TRACE_ID, "traceparent", badTraceparent,
          "tracestate", state));
      assertThat(c.traceIdLow()).isEqualTo(0x8448eb211c80319cL);
      assertThat(c.w3cVendorState()).as(badTraceparent).isNull();
    }
    // the dd= member alone: nothing to keep
    assertThat(extract(both, headers("x-datadog-trace-id", TRACE_ID, "traceparent", TP, "tracestate", "dd=s:1"))
        .w3cVendorState()).isNull();
  }

  @Test
  void aCarrierThatThrowsOnTracestateKeepsTheDatadogContext() {
    Map<String, String> h = headers("x-datadog-trace-id", TRACE_ID, "x-datadog-parent-id", "2", "traceparent", TP);
    Propagator.Getter<Map<String, String>> throwsOnTracestate = (map, name) -> {
      if (name.equals("tracestate")) {
        throw new IllegalStateException("boom");
      }
      return map.get(name);
    };
    SpanContext c = CompositePropagator.of("datadog,tracecontext", "none").extract(h, throwsOnTracestate);
    assertThat(c.spanId()).isEqualTo(2);
    assertThat(c.w3cVendorState()).isNull();
  }
}
