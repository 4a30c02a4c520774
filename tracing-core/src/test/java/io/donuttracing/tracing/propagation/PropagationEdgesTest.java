package io.donuttracing.tracing.propagation;

import static io.donuttracing.tracing.propagation.PropagationTest.TP;
import static io.donuttracing.tracing.propagation.PropagationTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.Ids;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
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

  /**
   * A trace id is zero when its low 64 bits are: they are the {@code trace_id} the agent gets, and it drops a trace
   * whose {@code trace_id} is 0 (so does the collector). dd-trace-java's W3CHttpCodec ("Illegal all zero 64 bit
   * trace id") and B3HttpCodec refuse such an id: the request starts a new trace.
   */
  @Test
  void aTraceIdWhoseLow64BitsAreZeroIsNoContext() {
    W3CTraceContextPropagator w3c = new W3CTraceContextPropagator();
    SpanContext lowOnly = extract(w3c, headers("traceparent", "00-00000000000000000000000000000001-0000000000000010-01"));
    assertThat(lowOnly.traceIdHigh()).isZero();
    assertThat(lowOnly.traceIdLow()).isEqualTo(1);
    assertThat(lowOnly.spanId()).isEqualTo(16);
    assertThat(extract(w3c, headers("traceparent", "00-10000000000000000000000000000000-1000000000000000-01"))).isNull();
    assertThat(extract(w3c, headers("traceparent", "00-00000000000000000000000000000000-0000000000000001-01"))).isNull();
    assertThat(extract(w3c, headers("traceparent", "00-00000000000000000000000000000001-0000000000000000-01"))).isNull();

    B3MultiPropagator b3 = new B3MultiPropagator();
    assertThat(extract(b3, headers("x-b3-traceid", "10000000000000000000000000000000", "x-b3-spanid", "1000000000000000")))
        .isNull();
    assertThat(extract(b3, headers("x-b3-traceid", "00000000000000000000000000000001", "x-b3-spanid", "1000000000000000"))
        .traceIdLow()).isEqualTo(1);
    assertThat(extract(new B3SinglePropagator(), headers("b3", "10000000000000000000000000000000-1000000000000000-1")))
        .isNull();

    // the default styles: no other header, so a new trace, whose spans carry a trace_id the agent keeps
    Tracer tracer = RecordingWriter.tracer(new RecordingWriter());
    SpanContext none = tracer.extract(headers("traceparent", "00-10000000000000000000000000000000-1000000000000000-01",
        "tracestate", "dd=s:2;t.tid:1000000000000000"));
    assertThat(none).isNull();
    try (Span span = tracer.trace("servlet.request", null, none)) {
      assertThat(span.traceId()).isNotZero();
      assertThat(span.parentId()).isZero();
    }
  }

  @Test
  void datadogTagsAreReadMemberByMemberInPlace() {
    DatadogPropagator datadog = new DatadogPropagator();
    SpanContext kept = extract(datadog, headers("x-datadog-trace-id", "1",
        "x-datadog-tags", "_dd.p.dm=-0,_dd.p.tidx=1,_dd.p.dmx=any,_dd.p.a=b=c,_dd.p=x,other=y,_dd.p.tid=66e3f5a800000000"));
    assertThat(kept.propagatedTags()).containsOnly(Map.entry("_dd.p.dm", "-0"), Map.entry("_dd.p.tidx", "1"),
        Map.entry("_dd.p.dmx", "any"), Map.entry("_dd.p.a", "b=c"));
    assertThat(kept.traceIdHigh()).isEqualTo(0x66e3f5a800000000L);
    assertThat(kept.spanTags()).isEmpty();

    for (String malformed : new String[] {
        "_dd.p.dm=-0,,_dd.p.a=b", "_dd.p.dm=-0,", ",_dd.p.dm=-0", "abc,_dd.p.a=b", "_dd.p.a=,_dd.p.b=c", "=x",
        "_dd.p.dm=x-1", "_dd.p.a=b c\u0001"}) {
      SpanContext c = extract(datadog, headers("x-datadog-trace-id", "1", "x-datadog-tags", malformed));
      assertThat(c.propagatedTags()).as(malformed).isEmpty();
      assertThat(c.spanTags()).as(malformed).containsOnly(Map.entry("_dd.propagation_error", "decoding_error"));
    }
    SpanContext badTid = extract(datadog, headers("x-datadog-trace-id", "1",
        "x-datadog-tags", "_dd.p.dm=-0,_dd.p.tid=66e3f5a8000000001"));
    assertThat(badTid.spanTags()).containsOnly(Map.entry("_dd.propagation_error", "malformed_tid 66e3f5a8000000001"));
    assertThat(badTid.traceIdHigh()).isZero();
  }

  /**
   * A context the application made itself (its own propagator, a message header) may hold tags that are not
   * {@code _dd.p.*}: no header carries them, and injecting them must not throw into the application's calls.
   */
  @Test
  void aContextTheApplicationMadeWithOtherTagsInjectsOnlyItsPropagatedTags() {
    Tracer tracer = RecordingWriter.tracer(new RecordingWriter());
    Map<String, String> tags = Map.of("dm", "-1", "_dd.p.", "x", "_dd.p.tid", "66e3f5a800000000", "_dd.p.usr", "u1");
    SpanContext made = new SpanContext(0, 1, 2, 1, null, tags, null, null);
    assertThat(made.propagatedTags()).containsOnly(Map.entry("_dd.p.usr", "u1"));
    try (Span span = tracer.trace("servlet.request", null, made)) {
      Map<String, String> out = new HashMap<>();
      tracer.inject(span, out);
      assertThat(out.get("x-datadog-tags")).isEqualTo("_dd.p.usr=u1");
      assertThat(out.get("tracestate")).isEqualTo("dd=s:1;p:" + Ids.hex(span.spanId()) + ";t.usr:u1");
    }
  }

  @Test
  void idsOfTwoToTheSixtyThreeAndMoreAreSentAsUnsignedDecimals() {
    Random random = new Random(7);
    long[] ids = {0, 1, 9, 10, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 9, -10, -1, random.nextLong()};
    for (long id : ids) {
      assertThat(Ids.decimal(id)).isEqualTo(Long.toUnsignedString(id));
    }
    for (int i = 0; i < 100_000; i++) {
      long id = random.nextLong();
      assertThat(Ids.decimal(id)).isEqualTo(Long.toUnsignedString(id));
    }
  }

  @Test
  void aTagThatWouldTakeTheDdMemberPast256CharactersIsLeftOutAndTheNextOneThatFitsIsWritten() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("_dd.p.dm", "-4");
    tags.put("_dd.p.big", "v".repeat(240));
    tags.put("_dd.p.k:ey", "a=b,c;d~e");
    SpanContext c = new SpanContext(0, 1, 2, 2, "rum=x", tags, null, null);
    Map<String, String> out = new HashMap<>();
    new W3CTraceContextPropagator().inject(c, out, Propagator.mapSetter());
    assertThat(out.get("tracestate")).isEqualTo("dd=s:2;o:rum~x;p:0000000000000002;t.dm:-4;t.k_ey:a~b_c_d_e");
  }
}
