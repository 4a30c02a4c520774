package io.donuttracing.tracing.propagation;

import io.donuttracing.tracing.SpanContext;
import java.util.Map;

/**
 * Writes a {@link SpanContext} into a request's headers and reads it back on the other side. One
 * implementation per header format: {@link DatadogPropagator}, {@link W3CTraceContextPropagator},
 * {@link B3MultiPropagator}, {@link B3SinglePropagator}; {@link CompositePropagator} combines the styles
 * that configuration selects.
 *
 * <p>A carrier is anything that holds headers: a servlet request, an outgoing HTTP request, a map. The
 * propagator reaches it only through a {@link Getter} or a {@link Setter}, so one propagator serves
 * every carrier:
 *
 * <pre>{@code
 * propagator.inject(span.context(), request.getHeaders(), HttpHeaders::set);
 * SpanContext parent = propagator.extract(servletRequest, HttpServletRequest::getHeader);
 * }</pre>
 *
 * Extraction never throws: a missing or malformed header yields null (start a new trace) or, for
 * malformed optional parts, a context with {@code _dd.propagation_error} in {@link SpanContext#spanTags()}.
 */
public interface Propagator {

  /** Writes the context's headers into the carrier. */
  <C> void inject(SpanContext context, C carrier, Setter<C> setter);

  /** Reads a context from the carrier's headers; null when they hold none (or a malformed one). */
  <C> SpanContext extract(C carrier, Getter<C> getter);

  /** Reads one header of a carrier. Header names are case-insensitive: implementations must match any case. */
  @FunctionalInterface
  interface Getter<C> {
    /** The header's value, or null when absent. {@code name} is lower case. */
    String get(C carrier, String name);
  }

  /** Sets one header of a carrier, replacing any previous value. */
  @FunctionalInterface
  interface Setter<C> {
    void set(C carrier, String name, String value);
  }

  /** A getter for a plain map of headers, matching names in any case. */
  static Getter<Map<String, String>> mapGetter() {
    return (map, name) -> {
      String value = map.get(name);
      if (value != null) {
        return value;
      }
      for (Map.Entry<String, String> e : map.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
          return e.getValue();
        }
      }
      return null;
    };
  }

  /** A setter for a plain mutable map of headers. */
  static Setter<Map<String, String>> mapSetter() {
    return Map::put;
  }
}
