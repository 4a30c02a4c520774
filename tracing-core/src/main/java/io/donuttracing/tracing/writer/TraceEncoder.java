package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.util.List;

/**
 * Turns a batch of traces into a request body for one intake endpoint. Besides each span's own tags, an
 * encoder adds the process-wide ones the agent expects on every span: {@code env}, {@code version} (on
 * spans of the main service) and {@code _dd.origin} ({@link AddedTags}). Not thread-safe: the writer's thread
 * owns it.
 */
interface TraceEncoder {
  /** {@code /v0.4/traces} or {@code /v0.3/traces}. */
  String path();

  String contentType();

  /** The body: an array of traces, each an array of span maps. */
  byte[] encode(List<List<Span>> traces);
}
