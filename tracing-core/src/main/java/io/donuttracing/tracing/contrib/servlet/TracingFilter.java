package io.donuttracing.tracing.contrib.servlet;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.context.Scope;
import io.donuttracing.tracing.contrib.HttpResourceNames;
import io.donuttracing.tracing.propagation.W3CTraceContextPropagator;
import io.donuttracing.tracing.sampling.SamplingPriority;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The server side of tracing (the seed's {@code TraceMiddleware}): one {@code servlet.request} span per
 * request.
 *
 * <ul>
 *   <li>continues the caller's trace when the request carries propagation headers;</li>
 *   <li>type {@code web}; tags {@code http.method}, {@code http.url} (without the query string),
 *       {@code http.status_code}; error for a 5xx answer or an exception that escapes;</li>
 *   <li>an async request ({@code startAsync}) ends when the container completes it, with the status the
 *       client got; one that timed out is an error and has the metric {@code timeout} (ms). In its async
 *       and error dispatches the span is active again, so the work done there (writing the answer, a query,
 *       a log line) is in the request's trace: map the filter for those dispatches too;</li>
 *   <li>resource {@code GET /pair/beer}: the method and Spring MVC's matched route pattern
 *       ({@code /beers/{name}}, never {@code /beers/ipa}), read after the request has run; a 404 that no
 *       handler matched becomes {@code GET 404}, so unknown URLs do not each make a resource; without a pattern,
 *       the path with its segments that hold digits as {@code ?} ({@link HttpResourceNames});</li>
 *   <li>answers with a W3C {@code traceresponse} header so a caller (or curl) can find the trace:
 *       {@code 00-<trace id>-<span id>-01} when the trace is kept, {@code -00} at the end when it is dropped
 *       (sampled out here, or by the caller); set again when the request's code changed the decision
 *       ({@link Span#setSamplingPriority}) and the answer's headers are not sent yet.</li>
 * </ul>
 *
 * Whatever the request's code does with the context, the thread's previous context is restored when the
 * request leaves the filter. Register it first in the chain; see the README for the Spring wiring. An app with
 * async requests also maps it for the {@code ASYNC} and {@code ERROR} dispatches (Spring Boot:
 * {@code FilterRegistrationBean.setDispatcherTypes}; the auto-configuration does); the workshop's apps have none.
 */
public final class TracingFilter implements Filter {
  /** Spring MVC's {@code HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE}, by value: no Spring dependency here. */
  static final String BEST_MATCHING_PATTERN = "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";
  static final String SPAN_ATTRIBUTE = TracingFilter.class.getName() + ".span";

  private final Tracer tracer;
  private final String service;

  /** Spans get the tracer's service ({@code DD_SERVICE}). */
  public TracingFilter(Tracer tracer) {
    this(tracer, null);
  }

  /** Spans get {@code service}, or the tracer's when null. */
  public TracingFilter(Tracer tracer, String service) {
    this.tracer = tracer;
    this.service = service;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    if (req.getAttribute(SPAN_ATTRIBUTE) instanceof Span traced) { // an async or error dispatch of a traced request
      if (traced.isFinished()) { // the error page of a request that ended with an exception
        chain.doFilter(req, res);
        return;
      }
      // the request's span is active again for the work done here (writing the answer, a query), and left
      // open: it ends when the container completes the request
      try (Scope scope = tracer.activate(traced)) {
        chain.doFilter(req, res);
      }
      return;
    }
    if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
      chain.doFilter(req, res); // not HTTP
      return;
    }
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;

    SpanContext caller = tracer.extract(name -> header(request, name));
    Span span = tracer.startSpan("servlet.request", service, caller);
    span.setType("web");
    span.setTag("http.method", request.getMethod());
    span.setTag("http.url", request.getRequestURL().toString());
    span.setTag("span.kind", "server");
    request.setAttribute(SPAN_ATTRIBUTE, span);
    boolean kept = SamplingPriority.isKept(span.samplingPriority());
    traceresponse(response, span, kept); // before the answer's body, which may commit the headers

    Throwable failure = null;
    Scope scope = tracer.activate(span);
    try {
      chain.doFilter(request, response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      failure = e;
      throw e;
    } finally {
      // the request's code kept (or dropped) its trace: said again, if the headers are not sent yet
      if (SamplingPriority.isKept(span.samplingPriority()) != kept && !response.isCommitted()) {
        traceresponse(response, span, !kept);
      }
      span.recordException(failure);
      if (request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new AsyncListener() {
          // After a timeout or an error the container (or Spring MVC) writes the answer, then calls
          // onComplete: the span ends there, with the status the client gets.
          @Override
          public void onComplete(AsyncEvent event) {
            end(span, request, ((HttpServletResponse) event.getSuppliedResponse()).getStatus());
          }

          @Override
          public void onTimeout(AsyncEvent event) {
            // as dd-trace-java does: the timeout in ms, and an error whatever answer is written after it
            span.setTag("timeout", event.getAsyncContext().getTimeout());
            span.setError(true);
          }

          @Override
          public void onError(AsyncEvent event) {
            span.recordException(event.getThrowable());
          }

          @Override
          public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // startAsync again drops the listeners: stay for the new cycle
          }
        });
      } else {
        int status = response.getStatus();
        end(span, request, failure != null && status < 400 ? 500 : status); // the container answers 500 for it
      }
      scope.close(); // restores this thread's context, even if the request's code left scopes open
    }
  }

  private static void traceresponse(HttpServletResponse response, Span span, boolean kept) {
    response.setHeader("traceresponse",
        W3CTraceContextPropagator.traceparent(span.traceIdHigh(), span.traceId(), span.spanId(), kept));
  }

  private static void end(Span span, HttpServletRequest request, int status) {
    span.setTag("http.status_code", Integer.toString(status));
    if (status >= 500) {
      span.setError(true);
    }
    span.setResource(resource(request, status));
    span.finish();
  }

  static String resource(HttpServletRequest request, int status) {
    Object pattern = request.getAttribute(BEST_MATCHING_PATTERN);
    if (status == 404 && (pattern == null || "/**".equals(pattern))) {
      return request.getMethod() + " 404"; // no handler, or only the static-resource catch-all
    }
    if (pattern != null) {
      return request.getMethod() + " " + pattern;
    }
    return HttpResourceNames.resource(request.getMethod(), request.getRequestURI());
  }

  /**
   * A propagation header's value: the first line's, but a {@code tracestate} sent in several lines is one list, W3C
   * says, its lines joined with commas (our {@code dd=} member may be in any of them).
   */
  private static String header(HttpServletRequest request, String name) {
    if (!name.equals("tracestate")) {
      return request.getHeader(name);
    }
    Enumeration<String> lines = request.getHeaders(name); // null when the container hides the headers
    List<String> list = lines == null ? List.of() : Collections.list(lines);
    return list.isEmpty() ? null : String.join(",", list);
  }
}
