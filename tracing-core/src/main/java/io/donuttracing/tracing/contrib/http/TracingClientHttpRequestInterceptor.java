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
      if (uri.getHost() != null) {
        span.setTag("out.host", uri.getHost());
      }
      if (uri.getPort() > 0) {
        span.setTag("out.port", uri.getPort());
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
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    // from the authority, not getHost(): a host with an underscore (taster_service) has no getHost()
    return uri.getScheme() + "://" + authority.substring(authority.lastIndexOf('@') + 1) + path;
  }
}
