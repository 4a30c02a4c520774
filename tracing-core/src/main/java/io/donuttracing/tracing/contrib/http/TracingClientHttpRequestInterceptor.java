package io.donuttracing.tracing.contrib.http;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.HttpResourceNames;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * The client side of tracing for Spring's {@code RestClient} and {@code RestTemplate}: one
 * {@code http.request} span per call (type {@code http}, resource {@code GET /taste}: the method and the path
 * without its query, segments holding digits as {@code ?} ({@code GET /users/?}, as dd-trace-java; see
 * {@link HttpResourceNames}), tags
 * {@code http.method}, {@code http.url} (no user, password or query), {@code out.host}, {@code out.port},
 * {@code http.status_code}), with the trace's headers injected so the called service continues the trace. A
 * 4xx/5xx answer or an I/O failure marks the span as an error.
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *     .requestInterceptor(new TracingClientHttpRequestInterceptor(tracer))
 *     .build();
 * }</pre>
 */
public final class TracingClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {
  private final Tracer tracer;
  private final String service;

  public TracingClientHttpRequestInterceptor(Tracer tracer) {
    this(tracer, null);
  }

  /** @param service the spans' service; null inherits the caller's (the usual choice) */
  public TracingClientHttpRequestInterceptor(Tracer tracer, String service) {
    this.tracer = tracer;
    this.service = service;
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
      throws IOException {
    try (Span span = tracer.trace("http.request", service)) {
      URI uri = request.getURI();
      String method = request.getMethod().name();
      span.setType("http");
      span.setResource(HttpResourceNames.resource(method, uri.getPath())); // GET /users/?: no ids, no query
      span.setTag("http.method", method);
      span.setTag("http.url", url(uri));
      span.setTag("span.kind", "client");
      String host = uri.getHost();
      int port = uri.getPort();
      // Java's URI has no host nor port for a name with an underscore (taster_service:5001): read the authority
      String authority = host == null ? authority(uri) : "";
      if (!authority.isEmpty()) {
        int colon = authority.lastIndexOf(':');
        String digits = colon < 0 ? "" : authority.substring(colon + 1);
        host = colon < 0 ? authority : authority.substring(0, colon);
        port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : -1;
      }
      if (host != null) {
        span.setTag("out.host", host);
      }
      if (port > 0) {
        span.setTag("out.port", port);
      }
      tracer.inject(span, request.getHeaders()::set);
      try {
        ClientHttpResponse response = execution.execute(request, body);
        int status = response.getStatusCode().value();
        span.setTag("http.status_code", Integer.toString(status));
        if (status >= 400) {
          span.setError(true);
        }
        return response;
      } catch (IOException | RuntimeException e) {
        span.recordException(e);
        throw e;
      }
    }
  }

  /**
   * {@code scheme://host:port/path}, as dd-trace-java's {@code HttpClientDecorator} builds it: never the user
   * and password a URL may carry ({@code https://alice:hunter2@api...}), nor the query or the fragment.
   */
  static String url(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    // from the authority, not getHost(): a host with an underscore (taster_service) has no getHost()
    return uri.getScheme() + "://" + authority(uri) + path;
  }

  /** {@code host:port} from the URI, without the user and password it may carry; empty if it has none. */
  private static String authority(URI uri) {
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    return authority.substring(authority.lastIndexOf('@') + 1);
  }
}
