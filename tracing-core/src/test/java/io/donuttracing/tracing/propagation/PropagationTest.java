package io.donuttracing.tracing.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.sampling.SamplingPriority;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The parsing rules of shared/reference/datadog-agent-protocol.md, "Propagation", one row each. */
class PropagationTest {
  static final String TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  static Map<String, String> headers(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static SpanContext extract(Propagator p, Map<String, String> h) {
    return p.extract(h, Propagator.mapGetter());
  }

  // ---- Datadog ----------------------------------------------------------------------------------

  static Stream<Arguments> datadogRejected() {
    return Stream.of(
        Arguments.of("no headers", headers()),
        Arguments.of("trace id not a number", headers("x-datadog-trace-id", "abc", "x-datadog-parent-id", "1")),
        Arguments.of("negative trace id", headers("x-datadog-trace-id", "-5", "x-datadog-parent-id", "1")),
        Arguments.of("trace id over 2^64", headers("x-datadog-trace-id", "18446744073709551616", "x-datadog-parent-id", "1")),
        Arguments.of("trace id zero", headers("x-datadog-trace-id", "0", "x-datadog-parent-id", "1")),
        Arguments.of("malformed parent id", headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "1x")),
        Arguments.of("malformed priority", headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "2",
            "x-datadog-sampling-priority", "keep")),
        // ten digits do not fit an int: read digit by digit, 4294967297 would wrap around to 1 (keep)
        Arguments.of("priority beyond an int", headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "2",
            "x-datadog-sampling-priority", "4294967297")),
        Arguments.of("priority only a sign", headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "2",
            "x-datadog-sampling-priority", "-")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("datadogRejected")
  void datadogMalformedIdsOrPriorityStartANewTrace(String why, Map<String, String> h) {
    assertThat(extract(new DatadogPropagator(), h)).isNull();
  }

  @Test
  void datadogFullContextCaseInsensitiveFirstOfAListAndUnsigned() {
    SpanContext c = extract(new DatadogPropagator(), headers(
        "X-Datadog-Trace-Id", "18446744073709551615, 7",
        "X-DATADOG-PARENT-ID", "9223372036854775808",
        "x-datadog-sampling-priority", "-1",
        "x-datadog-origin", "synthetics",
        "x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,other=ignored"));
    assertThat(c.traceIdLow()).isEqualTo(-1L);
    assertThat(c.spanId()).isEqualTo(Long.MIN_VALUE);
    assertThat(c.samplingPriority()).isEqualTo(SamplingPriority.USER_REJECT);
    assertThat(c.origin()).isEqualTo("synthetics");
    assertThat(c.traceIdHigh()).isEqualTo(0x640cfd8d00000000L);
    assertThat(c.propagatedTags()).containsExactly(Map.entry("_dd.p.dm", "-4"));
    assertThat(c.spanTags()).isEmpty();
  }

  static Stream<Arguments> datadogBadTags() {
    return Stream.of(
        Arguments.of("_dd.p.dm=-4,_dd.p.tid=640CFD8D00000000", "malformed_tid 640CFD8D00000000"),
        Arguments.of("_dd.p.tid=1234,_dd.p.dm=-4", "malformed_tid 1234"),
        Arguments.of("_dd.p.dm=-4,garbage", "decoding_error"),
        Arguments.of("=x", "decoding_error"),
        Arguments.of("_dd.p.usr=a,_dd.p.dm=", "decoding_error"),
        Arguments.of("_dd.p.usr=a,_dd.p.dm=4", "decoding_error"), // dm is [10 hex]-<digits>
        Arguments.of("_dd.p.usr=a,_dd.p.dm=abc-4", "decoding_error"),
        Arguments.of("_dd.p.usr=a,_dd.p.dm=-x", "decoding_error"),
        Arguments.of("_dd.p.usr=caf\u00e9,_dd.p.dm=-4", "decoding_error"),
        Arguments.of("_dd.p.x=" + "a".repeat(600), "extract_max_size"));
  }

  /** As dd-trace-java's DatadogPTagsCodec: one bad tag (a malformed {@code _dd.p.tid} too) drops them all. */
  @ParameterizedTest(name = "x-datadog-tags: {0}")
  @MethodSource("datadogBadTags")
  void datadogMalformedTagsKeepTheContextDropEveryTagAndRecordTheError(String tags, String error) {
    SpanContext c = extract(new DatadogPropagator(), headers("x-datadog-trace-id", "5", "x-datadog-parent-id", "6",
        "x-datadog-tags", tags));
    assertThat(c).isNotNull();
    assertThat(c.traceIdLow()).isEqualTo(5);
    assertThat(c.traceIdHigh()).isZero();
    assertThat(c.spanTags()).containsEntry("_dd.propagation_error", error);
    assertThat(c.propagatedTags()).isEmpty();
  }

  @Test
  void datadogDecisionMakerWithAServiceHashIsValid() {
    SpanContext c = extract(new DatadogPropagator(), headers("x-datadog-trace-id", "5", "x-datadog-parent-id", "6",
        "x-datadog-tags", "_dd.p.dm=0123456789-12"));
    assertThat(c.propagatedTags()).containsExactly(Map.entry("_dd.p.dm", "0123456789-12"));
    assertThat(c.spanTags()).isEmpty();
  }

  @Test
  void datadogInjectWritesEveryField() {
    Map<String, String> out = new HashMap<>();
    SpanContext c = new SpanContext(0x640cfd8d00000000L, -2L, 3, SamplingPriority.AUTO_KEEP, "rum",
        Map.of("_dd.p.dm", "-1"), null, null);
    new DatadogPropagator().inject(c, out, Propagator.mapSetter());
    assertThat(out).containsEntry("x-datadog-trace-id", "18446744073709551614")
        .containsEntry("x-datadog-parent-id", "3")
        .containsEntry("x-datadog-sampling-priority", "1")
        .containsEntry("x-datadog-origin", "rum")
        .containsEntry("x-datadog-tags", "_dd.p.dm=-1,_dd.p.tid=640cfd8d00000000");
  }

  // ---- W3C --------------------------------------------------------------------------------------

  static Stream<Arguments> w3cRejected() {
    return Stream.of(
        Arguments.of("version ff", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        Arguments.of("version 00 too long", TP + "-extra"),
        Arguments.of("too short", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01"),
        Arguments.of("upper-case trace id", "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"),
        Arguments.of("upper-case span id", "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01"),
        Arguments.of("all-zero trace id", "00-00000000000000000000000000000000-b7ad6b7169203331-01"),
        Arguments.of("trace id with its low 64 bits zero", "00-10000000000000000000000000000000-b7ad6b7169203331-01"),
        Arguments.of("all-zero span id", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"),
        Arguments.of("bad separators", "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01"),
        Arguments.of("non-hex flags", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x"),
        Arguments.of("future version, no dash after flags", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("w3cRejected")
  void w3cMalformedTraceparentStartsANewTrace(String why, String traceparent) {
    assertThat(extract(new W3CTraceContextPropagator(), headers("traceparent", traceparent))).isNull();
  }

  @Test
  void w3cTracestateWithoutTraceparentIsIgnored() {
    assertThat(extract(new W3CTraceContextPropagator(), headers("tracestate", "dd=s:2"))).isNull();
  }

  @Test
  void w3cFutureVersionWithMoreFieldsIsAccepted() {
    assertThat(extract(new W3CTraceContextPropagator(), headers("traceparent", "01" + TP.substring(2) + "-what-ever")))
        .isNotNull();
  }

  @Test
  void w3cFullContext() {
    SpanContext c = extract(new W3CTraceContextPropagator(), headers("Traceparent", TP,
        "TraceState", "rojo=00f067aa0ba902b7,dd=s:2;o:rum;p:00f067aa0ba902b7;t.dm:-4;t.usr.id:baz~~,congo=t61rcWkgMzE"));
    assertThat(c.traceIdHigh()).isEqualTo(0x0af7651916cd43ddL);
    assertThat(c.traceIdLow()).isEqualTo(0x8448eb211c80319cL);
    assertThat(c.spanId()).isEqualTo(0xb7ad6b7169203331L);
    assertThat(c.samplingPriority()).isEqualTo(SamplingPriority.USER_KEEP);
    assertThat(c.origin()).isEqualTo("rum");
    assertThat(c.propagatedTags()).containsEntry("_dd.p.dm", "-4").containsEntry("_dd.p.usr.id", "baz==");
    assertThat(c.spanTags()).containsEntry("_dd.parent_id", "00f067aa0ba902b7");
    assertThat(c.w3cVendorState()).isEqualTo("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  }

  static Stream<Arguments> w3cMalformedDatadogMember() {
    return Stream.of(
        Arguments.of("dd=s:2;t.dm:"), // an empty value
        Arguments.of("dd=s:2;o:rum;t.usr:caf\u00e9;t.dm:-4"), // not ASCII (Tomcat hands bytes over as ISO-8859-1)
        Arguments.of("dd=s:2;t.dm:-4;t.usr:a\u0001b"),
        Arguments.of("dd=s:2;t.dm:abc"), // not [10 hex]-<digits>
        Arguments.of("dd=s:2;t.dm:-4;t.tid:0AF7651916CD43DD"),
        Arguments.of("dd=s:2;t.usr id:x;t.dm:-4"), // a space in a key
        Arguments.of("dd=s:2;t.dm:-4;"), // an empty element
        Arguments.of("dd=s:2;t.dm:-4;x"));
  }

  /**
   * As dd-trace-java's W3CPTagsCodec: a {@code dd=} member with one malformed element says nothing at all (its
   * priority, origin, parent and every tag are dropped; the sampled flag decides), and other vendors' members are
   * still passed on. Before, the bad value went on in {@code x-datadog-tags}, which the next service refused whole,
   * losing {@code _dd.p.tid}: the trace's 128-bit id changed at that hop.
   */
  @ParameterizedTest(name = "tracestate: {0}")
  @MethodSource("w3cMalformedDatadogMember")
  void w3cMalformedDatadogMemberIsDroppedWholeAndTheTraceIdSurvivesTheNextHop(String ddMember) {
    RecordingWriter middleSpans = new RecordingWriter();
    Tracer middle = RecordingWriter.tracer(middleSpans);
    SpanContext caller = middle.extract(headers("traceparent", TP, "tracestate", ddMember + ",rojo=00f067aa0ba902b7"));
    assertThat(caller.traceIdHigh()).isEqualTo(0x0af7651916cd43ddL);
    assertThat(caller.samplingPriority()).isEqualTo(SamplingPriority.AUTO_KEEP);
    assertThat(caller.origin()).isNull();
    assertThat(caller.propagatedTags()).containsExactly(Map.entry("_dd.p.dm", "-0"));
    assertThat(caller.spanTags()).containsOnlyKeys("_dd.propagation_error");
    assertThat(caller.w3cVendorState()).isEqualTo("rojo=00f067aa0ba902b7");

    Map<String, String> out = new HashMap<>();
    try (Span span = middle.trace("servlet.request", null, caller)) {
      middle.inject(span, out);
    }
    assertThat(out.get("x-datadog-tags")).isEqualTo("_dd.p.dm=-0,_dd.p.tid=0af7651916cd43dd");
    assertThat(middleSpans.span("servlet.request").tags()).containsEntry("_dd.p.dm", "-0");

    SpanContext downstream = RecordingWriter.tracer(new RecordingWriter()).extract(out);
    assertThat(downstream.traceIdHigh()).isEqualTo(0x0af7651916cd43ddL);
    assertThat(downstream.spanTags()).doesNotContainKey("_dd.propagation_error");
  }

  @Test
  void w3cValidTagValuesAreKept() {
    SpanContext c = extract(new W3CTraceContextPropagator(), headers("traceparent", TP,
        "tracestate", "dd=s:2;t.dm:0123456789-4;t.usr:a b~c;t.tid:0af7651916cd43dd;t.:ignored;x.future:kept"));
    assertThat(c.samplingPriority()).isEqualTo(SamplingPriority.USER_KEEP);
    assertThat(c.propagatedTags()).containsOnly(Map.entry("_dd.p.dm", "0123456789-4"), Map.entry("_dd.p.usr", "a b=c"));
    assertThat(c.spanTags()).isEmpty();
  }

  static Stream<Arguments> w3cPriority() {
    return Stream.of( // flags, tracestate s, resulting priority
        Arguments.of("01", null, SamplingPriority.AUTO_KEEP),
        Arguments.of("00", null, SamplingPriority.AUTO_REJECT),
        Arguments.of("01", "2", SamplingPriority.USER_KEEP),
        Arguments.of("01", "-1", SamplingPriority.AUTO_KEEP),  // the flag wins when they disagree
        Arguments.of("00", "-1", SamplingPriority.USER_REJECT),
        Arguments.of("00", "2", SamplingPriority.AUTO_REJECT));
  }

  @ParameterizedTest(name = "flags {0}, s:{1} -> {2}")
  @MethodSource("w3cPriority")
  void w3cPriorityFollowsTheSampledFlagAndTracestate(String flags, String s, int expected) {
    Map<String, String> h = headers("traceparent", TP.substring(0, 53) + flags);
    if (s != null) {
      h.put("tracestate", "dd=s:" + s);
    }
    assertThat(extract(new W3CTraceContextPropagator(), h).samplingPriority()).isEqualTo(expected);
  }

  @Test
  void w3cInjectWritesTraceparentAndDatadogTracestate() {
    Map<String, String> out = new HashMap<>();
    SpanContext c = new SpanContext(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0xb7ad6b7169203331L,
        SamplingPriority.AUTO_REJECT, "synthetics=x", Map.of("_dd.p.dm", "-1"), null, "rojo=1");
    new W3CTraceContextPropagator().inject(c, out, Propagator.mapSetter());
    assertThat(out.get("traceparent")).isEqualTo(TP.substring(0, 53) + "00");
    assertThat(out.get("tracestate")).isEqualTo("dd=s:0;o:synthetics~x;p:b7ad6b7169203331;t.dm:-1,rojo=1");
  }

  @Test
  void w3cInjectKeepsToTheLimitsOfTracestate() {
    Map<String, String> tags = new HashMap<>(Map.of("_dd.p.dm", "-4"));
    for (int i = 0; i < 20; i++) {
      tags.put("_dd.p.tag" + i, "value-of-tag-number-" + i);
    }
    StringBuilder vendors = new StringBuilder("v0=0");
    for (int i = 1; i < 40; i++) {
      vendors.append(",v").append(i).append('=').append(i);
    }
    Map<String, String> in = headers("traceparent", TP, "tracestate", vendors.toString());
    SpanContext extracted = extract(new W3CTraceContextPropagator(), in);
    SpanContext c = new SpanContext(0, 1, 2, SamplingPriority.AUTO_KEEP, null, tags, null, extracted.w3cVendorState());
    Map<String, String> out = new HashMap<>();
    new W3CTraceContextPropagator().inject(c, out, Propagator.mapSetter());

    String[] members = out.get("tracestate").split(",");
    assertThat(members).hasSize(32).contains("v0=0", "v30=30").doesNotContain("v31=31");
    assertThat(members[0]).startsWith("dd=s:1;p:0000000000000002;t.dm:-4;t.tag").as("the decision maker first")
        .hasSizeLessThanOrEqualTo(256);
    assertThat(members[0].split(";t\\.")).as("the tags that fit, not all 20").hasSizeBetween(2, 20);
  }

  // ---- B3 ---------------------------------------------------------------------------------------

  @Test
  void b3MultiRoundTripWith128And64BitIds() {
    B3MultiPropagator b3 = new B3MultiPropagator();
    SpanContext c = SpanContext.of(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0xb7ad6b7169203331L, SamplingPriority.AUTO_KEEP);
    Map<String, String> out = new HashMap<>();
    b3.inject(c, out, Propagator.mapSetter());
    assertThat(out).containsEntry("x-b3-traceid", "0af7651916cd43dd8448eb211c80319c")
        .containsEntry("x-b3-spanid", "b7ad6b7169203331").containsEntry("x-b3-sampled", "1");
    SpanContext back = extract(b3, out);
    assertThat(back.traceIdHigh()).isEqualTo(c.traceIdHigh());
    assertThat(back.traceIdLow()).isEqualTo(c.traceIdLow());
    assertThat(back.spanId()).isEqualTo(c.spanId());
    assertThat(back.samplingPriority()).isEqualTo(SamplingPriority.AUTO_KEEP);

    SpanContext short64 = extract(b3, headers("X-B3-TraceId", "8448eb211c80319c", "X-B3-SpanId", "b7ad6b7169203331",
        "X-B3-Sampled", "0"));
    assertThat(short64.traceIdHigh()).isZero();
    assertThat(short64.samplingPriority()).isEqualTo(SamplingPriority.AUTO_REJECT);
    assertThat(extract(b3, headers("X-B3-TraceId", "8448eb211c80319c", "X-B3-SpanId", "b7ad6b7169203331",
        "X-B3-Flags", "1")).samplingPriority()).isEqualTo(SamplingPriority.USER_KEEP);
  }

  @Test
  void b3MultiRejectsMalformedIds() {
    B3MultiPropagator b3 = new B3MultiPropagator();
    assertThat(extract(b3, headers("x-b3-traceid", "8448eb211c80319c"))).isNull();
    assertThat(extract(b3, headers("x-b3-traceid", "123", "x-b3-spanid", "b7ad6b7169203331"))).isNull();
    assertThat(extract(b3, headers("x-b3-traceid", "zz48eb211c80319c", "x-b3-spanid", "b7ad6b7169203331"))).isNull();
    assertThat(extract(b3, headers("x-b3-traceid", "0000000000000000", "x-b3-spanid", "b7ad6b7169203331"))).isNull();
  }

  @Test
  void b3SingleRoundTripAndRejections() {
    B3SinglePropagator b3 = new B3SinglePropagator();
    SpanContext c = SpanContext.of(0, 0x8448eb211c80319cL, 0xb7ad6b7169203331L, SamplingPriority.AUTO_REJECT);
    Map<String, String> out = new HashMap<>();
    b3.inject(c, out, Propagator.mapSetter());
    assertThat(out).containsExactly(Map.entry("b3", "8448eb211c80319c-b7ad6b7169203331-0"));
    assertThat(extract(b3, out).spanId()).isEqualTo(c.spanId());
    assertThat(extract(b3, headers("b3", "8448eb211c80319c-b7ad6b7169203331-d-00f067aa0ba902b7")).samplingPriority())
        .isEqualTo(SamplingPriority.USER_KEEP);
    assertThat(extract(b3, headers("b3", "0"))).isNull();
    assertThat(extract(b3, headers("b3", "8448eb211c80319c-b7ad6b7169203331-x"))).isNull();
    assertThat(extract(b3, headers("b3", "8448eb211c80319c"))).isNull();
  }

  // ---- styles -----------------------------------------------------------------------------------

  @Test
  void defaultStylesInjectDatadogAndW3cAndTheFirstListedStyleWinsOnExtract() {
    Map<String, String> both = headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "2",
        "traceparent", TP);
    assertThat(extract(CompositePropagator.of("datadog,tracecontext", "datadog"), both).traceIdLow()).isEqualTo(1);
    assertThat(extract(CompositePropagator.of("tracecontext,datadog", "datadog"), both).traceIdLow())
        .isEqualTo(0x8448eb211c80319cL);
    // a malformed first style falls through to the next one
    Map<String, String> badDatadog = headers("x-datadog-trace-id", "nope", "traceparent", TP);
    assertThat(extract(CompositePropagator.of("datadog,tracecontext", "none"), badDatadog).spanId())
        .isEqualTo(0xb7ad6b7169203331L);

    // Datadog's headers win, but other vendors' tracestate members come along from the W3C headers of the same trace
    Map<String, String> bothWithVendors = headers("x-datadog-trace-id", Long.toUnsignedString(0x8448eb211c80319cL),
        "x-datadog-parent-id", "2", "traceparent", TP, "tracestate", "dd=s:1,congo=t61rcWkgMzE");
    SpanContext merged = extract(CompositePropagator.of("datadog,tracecontext", "none"), bothWithVendors);
    assertThat(merged.spanId()).isEqualTo(2);
    assertThat(merged.w3cVendorState()).isEqualTo("congo=t61rcWkgMzE");
    Map<String, String> otherTrace = new HashMap<>(bothWithVendors);
    otherTrace.put("x-datadog-trace-id", "1");
    assertThat(extract(CompositePropagator.of("datadog,tracecontext", "none"), otherTrace).w3cVendorState()).isNull();

    Map<String, String> out = new HashMap<>();
    CompositePropagator.of("datadog,tracecontext", "datadog,tracecontext")
        .inject(SpanContext.of(0, 1, 2, 1), out, Propagator.mapSetter());
    assertThat(out).containsKeys("x-datadog-trace-id", "traceparent", "tracestate").doesNotContainKey("b3");
    Map<String, String> none = new HashMap<>();
    CompositePropagator.of("none", "none").inject(SpanContext.of(0, 1, 2, 1), none, Propagator.mapSetter());
    assertThat(none).isEmpty();
    Map<String, String> b3 = new HashMap<>();
    CompositePropagator.of("b3", "b3, b3 single header").inject(SpanContext.of(0, 1, 2, 1), b3, Propagator.mapSetter());
    assertThat(b3).containsKeys("x-b3-traceid", "b3");
  }

  @Test
  void whatACallerSendsCannotGrowTheHeadersSentOnPastAFewHundredCharacters() {
    // Found by QA: a 3,900-character origin went on twice (x-datadog-origin and o: in tracestate), which took the
    // matchmaker's calls past the taster's 8 KB of headers: every pairing answered 503.
    String origin = "o".repeat(3900);
    String vendor = "v=" + "x".repeat(7900);
    Propagator both = CompositePropagator.of("datadog,tracecontext", "datadog,tracecontext");
    for (Map<String, String> in : java.util.List.of(
        headers("x-datadog-trace-id", "555", "x-datadog-parent-id", "9", "x-datadog-origin", origin),
        headers("traceparent", TP, "tracestate", "dd=s:1;o:" + origin),
        headers("traceparent", TP, "tracestate", "dd=s:1," + vendor))) {
      SpanContext c = extract(both, in);
      assertThat(c).as("the context itself is kept").isNotNull();
      assertThat(c.origin()).isNull();
      Map<String, String> out = new HashMap<>();
      both.inject(c, out, Propagator.mapSetter());
      assertThat(String.join("", out.values())).hasSizeLessThan(1000);
    }

    // a non-ASCII origin is none, rather than mangled differently at every hop
    assertThat(extract(new DatadogPropagator(), headers("x-datadog-trace-id", "1", "x-datadog-origin", "é")).origin())
        .isNull();
    assertThat(extract(new W3CTraceContextPropagator(), headers("traceparent", TP, "tracestate", "dd=o:é")).origin())
        .isNull();
    assertThat(extract(new DatadogPropagator(), headers("x-datadog-trace-id", "1", "x-datadog-origin", "synthetics"))
        .origin()).isEqualTo("synthetics");
  }

  @Test
  void otherVendorsStateIsCutAsW3cSaysAndAnOversizedDatadogMemberLosesItsTags() {
    String big = "big=" + "x".repeat(200);
    StringBuilder small = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      small.append(",v").append(i).append('=').append("0123456789abcdef");
    }
    SpanContext c = extract(new W3CTraceContextPropagator(), headers("traceparent", TP, "tracestate", big + small));
    assertThat(c.w3cVendorState()).as("the member over 128 characters goes first, then the last ones")
        .startsWith("v0=0123456789abcdef,v1=").doesNotContain("big=").hasSizeLessThanOrEqualTo(512);
    assertThat(c.w3cVendorState().split(",")).hasSize(24); // v0 to v23 and their commas: 493 characters

    String tags = ";t.dm:-4" + ";t.k:" + "v".repeat(300);
    SpanContext oversized = extract(new W3CTraceContextPropagator(),
        headers("traceparent", TP, "tracestate", "dd=s:2;o:rum;p:00f067aa0ba902b7" + tags));
    assertThat(oversized.samplingPriority()).isEqualTo(SamplingPriority.USER_KEEP);
    assertThat(oversized.origin()).isEqualTo("rum");
    assertThat(oversized.propagatedTags()).doesNotContainKey("_dd.p.k").doesNotContainEntry("_dd.p.dm", "-4");
    assertThat(oversized.spanTags()).containsEntry("_dd.propagation_error", "extract_max_size")
        .containsEntry("_dd.parent_id", "00f067aa0ba902b7");
  }

  /**
   * What HeaderValues's class comment promises: its parsing allocates nothing, but for {@code firstValue}, which must cut a
   * new string from a header holding a list or spaces (before, the comment said "allocation-free" without the
   * exception).
   */
  @Test
  void hexParsesWithoutAllocatingButFirstValueCutsANewStringWhenItMust() {
    String plain = "18446744073709551615";
    assertThat(HeaderValues.firstValue(plain)).isSameAs(plain);
    assertThat(HeaderValues.firstValue(" 7 , 8")).isEqualTo("7");
    assertThat(HeaderValues.firstValue(null)).isNull();

    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long sink = 0;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10_000; i++) {
      String value = HeaderValues.firstValue(plain);
      sink += HeaderValues.validUnsignedDecimal(value) ? HeaderValues.parseUnsignedDecimal(value) : 0;
      sink += HeaderValues.isLowerHex(TP, 3, 32) ? HeaderValues.parseHex(TP, 3, 16) : 0;
      sink += HeaderValues.isHex(TP, 36, 16) ? HeaderValues.parseSmallInt("-12") : 0;
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sink).isNotZero();
    assertThat(allocated).as("bytes for 10,000 rounds").isLessThan(1024);
  }

  @Test
  void aThrowingCarrierNeverBreaksTheRequest() {
    Propagator.Getter<Object> broken = (c, name) -> {
      throw new IllegalStateException("boom");
    };
    for (Propagator p : CompositePropagator.parse("datadog,tracecontext,b3multi,b3single")) {
      assertThat(p.extract(new Object(), broken)).isNull();
    }
  }
}
