package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;

/**
 * The tags an encoder adds to each span it writes, besides the span's own: the process-wide ones the
 * agent expects. {@code env} on every span and {@code version} on spans of the tracer's own service, and
 * {@code _dd.origin} on the spans of a trace that has an origin, each unless the span has the tag itself (a
 * meta map holds a key once). The encoders write them, and the
 * agent's tag rules see them, so {@link TraceFilter} reads them here too. And one metric: {@code _dd.top_level}
 * on {@link Span#isTopLevel() top-level} spans, which the writer announces with the
 * {@code Datadog-Client-Computed-Top-Level} header, so that the agent takes the tracer's word rather than guess
 * from the chunk (a partial flush sends children without their parent).
 *
 * @param env the tracer's {@code env}, or null
 * @param version the tracer's {@code version}, or null
 * @param service the tracer's service, whose spans get {@code version}
 */
record AddedTags(String env, String version, String service) {

  /** The {@code env} to add to this span, or null. */
  String env(Span span) {
    return env != null && span.tag("env") == null ? env : null;
  }

  /** The {@code version} to add to this span, or null. */
  String version(Span span) {
    return version != null && service != null && service.equals(span.service()) && span.tag("version") == null
        ? version : null;
  }

  /** The {@code _dd.origin} to add to this span (its trace's origin), or null. */
  String origin(Span span) {
    String origin = span.origin();
    return origin != null && span.tag("_dd.origin") == null ? origin : null;
  }

  /** Whether to add the metric {@code _dd.top_level = 1} to this span: top-level, and without one of its own. */
  static boolean addsTopLevel(Span span) {
    return span.isTopLevel() && span.metric("_dd.top_level") == null;
  }

  /**
   * Whether the agent, told {@code Datadog-Client-Computed-Top-Level}, counts this span as top-level: it reads
   * {@code _dd.top_level} as sent (the span's own, else the one added) and its own key {@code _top_level}, each
   * top-level at 1. {@link ClientStats} counts the traces it does not send by this, as the agent would have.
   */
  static boolean topLevelAsSent(Span span) {
    Number own = span.metric("_dd.top_level");
    Number agents = span.metric("_top_level");
    return (own != null ? own.doubleValue() == 1 : span.isTopLevel()) || agents != null && agents.doubleValue() == 1;
  }

  /** A string tag as the agent receives it: the span's own, else the one an encoder adds. */
  String asSent(Span span, String key) {
    String own = span.tag(key);
    if (own != null) {
      return own;
    }
    return switch (key) {
      case "env" -> env;
      case "version" -> version(span);
      case "_dd.origin" -> origin(span);
      default -> null;
    };
  }
}
