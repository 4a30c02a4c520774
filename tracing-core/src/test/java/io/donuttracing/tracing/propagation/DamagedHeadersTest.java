package io.donuttracing.tracing.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whatever a client sends in the trace headers, the service goes on, and what it sends on is well formed: the next
 * hop reads the same 128-bit trace, with the span that called it as parent. Valid headers of every style, damaged at
 * random (characters dropped or inserted, from an alphabet of the headers' own characters and a few others).
 */
class DamagedHeadersTest {
  private static final String STYLES = "datadog,tracecontext,b3multi,b3single";
  private static final Map<String, String> VALID = Map.ofEntries(
      Map.entry("x-datadog-trace-id", "1234567890"),
      Map.entry("x-datadog-parent-id", "987654321"),
      Map.entry("x-datadog-sampling-priority", "2"),
      Map.entry("x-datadog-origin", "rum"),
      Map.entry("x-datadog-tags", "_dd.p.dm=-1,_dd.p.tid=66e3f5a800000000"),
      Map.entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
      Map.entry("tracestate", "dd=s:2;o:rum;p:b7ad6b7169203331;t.dm:-4,other=x"),
      Map.entry("x-b3-traceid", "0af7651916cd43dd8448eb211c80319c"),
      Map.entry("x-b3-spanid", "b7ad6b7169203331"),
      Map.entry("x-b3-sampled", "1"),
      Map.entry("b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"));
  private static final String ALPHABET = "0123456789abcdefABCDEF-=,;:~ ._tdpsox\u00e9\u0000\t";

  @Test
  void randomlyDamagedHeadersNeverThrowAndWhatIsSentOnIsReadAsTheSameTrace() {
    Tracer service = tracer();
    Tracer nextHop = tracer();
    Random random = new Random(42);
    int continued = 0;
    for (int i = 0; i < 50_000; i++) {
      Map<String, String> received = new HashMap<>();
      VALID.forEach((name, value) -> {
        if (random.nextInt(3) > 0) {
          received.put(name, damage(value, random));
        }
      });

      SpanContext caller = service.extract(received);
      continued += caller == null ? 0 : 1;
      Map<String, String> sent = new HashMap<>();
      try (Span span = service.trace("servlet.request", null, caller)) {
        service.inject(span, sent);

        SpanContext read = nextHop.extract(sent);
        assertThat(read).as("headers %s sent on as %s", received, sent).isNotNull();
        assertThat(read.traceIdHigh()).as("headers %s sent on as %s", received, sent).isEqualTo(span.traceIdHigh());
        assertThat(read.traceIdLow()).as("headers %s sent on as %s", received, sent).isEqualTo(span.traceId());
        assertThat(read.spanId()).as("headers %s sent on as %s", received, sent).isEqualTo(span.spanId());
      }
    }
    // both kinds were tried many times: a caller's trace continued, and a new trace for headers past reading
    assertThat(continued).isBetween(10_000, 45_000);
  }

  private static Tracer tracer() {
    return Tracer.create(TracerConfig.builder().service("svc").logsInjection(false).propagationStyle(STYLES).build(),
        new RecordingWriter());
  }

  private static String damage(String value, Random random) {
    StringBuilder damaged = new StringBuilder(value);
    for (int k = random.nextInt(4); k > 0; k--) {
      int at = random.nextInt(damaged.length() + 1);
      if (random.nextBoolean() && at < damaged.length()) {
        damaged.deleteCharAt(at);
      } else {
        damaged.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
    }
    return damaged.toString();
  }
}
