package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The v0.3 intake format: the same structure as {@link MsgpackEncoder}, as JSON. Readable with curl and eyes. */
final class JsonEncoder implements TraceEncoder {
  private final AddedTags added;
  /** The body being built: {@code [} and the traces added, separated by commas. */
  private ByteArrayOutputStream out = new ByteArrayOutputStream();
  private int traces;

  /** @param env {@code env} tag for every span, or null; @param version for spans of {@code service}, or null */
  JsonEncoder(String env, String version, String service) {
    this.added = new AddedTags(env, version, service);
  }

  @Override
  public String path() {
    return "/v0.3/traces";
  }

  @Override
  public String contentType() {
    return "application/json";
  }

  @Override
  public boolean append(List<Span> trace, int maxBytes) {
    StringBuilder sb = new StringBuilder(256 * trace.size());
    sb.append(traces == 0 ? '[' : ',').append('[');
    for (int s = 0; s < trace.size(); s++) {
      if (s > 0) {
        sb.append(',');
      }
      span(sb, trace.get(s));
    }
    sb.append(']');
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (traces > 0 && out.size() + bytes.length + 1 > maxBytes) { // 1: the closing ']'
      return false;
    }
    out.writeBytes(bytes);
    traces++;
    return true;
  }

  @Override
  public int traces() {
    return traces;
  }

  @Override
  public byte[] body() {
    if (traces == 0) {
      out.write('[');
    }
    out.write(']');
    byte[] body = out.toByteArray();
    // a batch of stack traces: let that memory go, as MsgpackEncoder does
    out = body.length > MsgpackEncoder.MAX_KEPT_BUFFER_BYTES ? new ByteArrayOutputStream() : out;
    out.reset();
    traces = 0;
    return body;
  }

  private void span(StringBuilder sb, Span span) {
    sb.append("{\"service\":");
    string(sb, span.service());
    sb.append(",\"name\":");
    string(sb, span.name());
    sb.append(",\"resource\":");
    string(sb, span.resource());
    sb.append(",\"trace_id\":").append(Long.toUnsignedString(span.traceId()));
    sb.append(",\"span_id\":").append(Long.toUnsignedString(span.spanId()));
    sb.append(",\"parent_id\":").append(Long.toUnsignedString(span.parentId()));
    sb.append(",\"start\":").append(span.startEpochNanos());
    sb.append(",\"duration\":").append(Math.max(0, span.durationNanos()));
    sb.append(",\"error\":").append(span.error());
    sb.append(",\"meta\":{");
    boolean first = true;
    for (int i = 0; i < span.tagCount(); i++) {
      if (span.tagValueAt(i) instanceof String value) {
        first = entry(sb, first, span.tagKeyAt(i), value);
      }
    }
    String env = added.env(span);
    if (env != null) {
      first = entry(sb, first, "env", env);
    }
    String version = added.version(span);
    if (version != null) {
      first = entry(sb, first, "version", version);
    }
    String origin = added.origin(span);
    if (origin != null) {
      entry(sb, first, "_dd.origin", origin);
    }
    sb.append("},\"metrics\":{");
    first = true;
    if (AddedTags.addsTopLevel(span)) {
      sb.append("\"_dd.top_level\":1");
      first = false;
    }
    for (int i = 0; i < span.tagCount(); i++) {
      if (span.tagValueAt(i) instanceof Number n) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(sb, span.tagKeyAt(i));
        double d = n.doubleValue();
        // Span.setTag makes NaN and the infinities string tags; this only guards JSON against the tracer's own
        sb.append(':').append(Double.isFinite(d) ? n.toString() : "0");
      }
    }
    sb.append('}');
    if (span.type() != null) {
      sb.append(",\"type\":");
      string(sb, span.type());
    }
    sb.append('}');
  }

  private static boolean entry(StringBuilder sb, boolean first, String key, String value) {
    if (!first) {
      sb.append(',');
    }
    string(sb, key);
    sb.append(':');
    string(sb, value);
    return false;
  }

  static void string(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }
}
