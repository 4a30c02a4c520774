package io.donuttracing.tracing.contrib.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.sampling.SamplingPriority;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The filter in a real embedded Tomcat on 127.0.0.1, without Spring: what only the container decides (async
 * timeouts, re-dispatches). Spring MVC's side is in {@code contrib.SpringIntegrationTest}.
 */
class TracingFilterTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);
  Tomcat tomcat;

  @AfterEach
  void stop() throws LifecycleException {
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  /** Tomcat with the filter on every dispatch, as {@code web.xml} would map it, and one servlet at {@code /}. */
  int start(HttpServlet servlet) throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "app", servlet).setAsyncSupported(true);
    context.addServletMappingDecoded("/", "app");
    FilterDef filter = new FilterDef();
    filter.setFilterName("tracing");
    filter.setFilter(new TracingFilter(tracer));
    filter.setAsyncSupported("true");
    context.addFilterDef(filter);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("tracing");
    mapping.addURLPatternDecoded("/*");
    mapping.setDispatcher("REQUEST");
    mapping.setDispatcher("ASYNC");
    mapping.setDispatcher("ERROR");
    context.addFilterMap(mapping);
    tomcat.start();
    return tomcat.getConnector().getLocalPort();
  }

  /** A servlet that answers 200 with no body. */
  static HttpServlet ok() {
    return new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) {}
    };
  }

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  Span requestSpan() {
    await().atMost(Duration.ofSeconds(5))
        .until(() -> writer.spans().stream().anyMatch(s -> s.name().equals("servlet.request")));
    return writer.span("servlet.request");
  }

  /**
   * W3C: a {@code tracestate} list may come in several header lines, one list: our {@code dd=} member in the second
   * line is read (the sampling priority, the origin), and the other vendors' members of both are passed on.
   */
  @Test
  void tracestateInSeveralLinesIsOneList() throws Exception {
    int port = start(ok());
    assertThat(get(port, "/", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate", "congo=t61rcWkgMzE", "tracestate", "dd=s:2;o:synthetics,rojo=00f067aa0ba902b7").statusCode())
        .isEqualTo(200);
    Span span = requestSpan();
    assertThat(span.samplingPriority()).isEqualTo(2);
    assertThat(span.origin()).isEqualTo("synthetics");
    Map<String, String> out = new HashMap<>();
    tracer.inject(span, out);
    assertThat(out.get("tracestate")).startsWith("dd=").contains("congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7");
  }

  /** Without Spring MVC's route pattern, the resource is the path with its ids as {@code ?} (HttpResourceNames). */
  @Test
  void withoutARoutePatternTheResourceIsThePathWithoutIds() throws Exception {
    int port = start(ok());
    assertThat(get(port, "/orders/42?x=1").statusCode()).isEqualTo(200);
    assertThat(requestSpan().resource()).isEqualTo("GET /orders/?");
  }

  @Test
  void anAsyncRequestThatTimesOutIsRecordedWithTheStatusTheContainerAnswered() throws Exception {
    int port = start(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        AsyncContext async = request.startAsync();
        async.setTimeout(200); // and never completed: Tomcat answers 500 once it times out
      }
    });
    HttpResponse<String> response = get(port, "/slow");
    assertThat(response.statusCode()).isEqualTo(500);

    Span span = requestSpan();
    assertThat(span.tag("http.status_code")).isEqualTo("500");
    assertThat(span.isError()).isTrue();
    assertThat(span.metric("timeout")).isEqualTo(200L);
    assertThat(span.resource()).isEqualTo("GET /slow");
  }

  @Test
  void workInTheAsyncDispatchIsUnderTheRequestSpan() throws Exception {
    int port = start(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
          tracer.trace("render").close(); // work done while the answer is written
          response.getWriter().write("jelly");
        } else {
          request.startAsync().dispatch(); // runs once this first dispatch has returned
        }
      }
    });
    assertThat(get(port, "/later").body()).isEqualTo("jelly");

    Span request = requestSpan();
    Span render = writer.span("render");
    assertThat(render.traceId()).isEqualTo(request.traceId());
    assertThat(render.parentId()).isEqualTo(request.spanId());
    assertThat(request.tag("http.status_code")).isEqualTo("200");
    assertThat(request.durationNanos()).isGreaterThanOrEqualTo(render.durationNanos());
  }

  @Test
  void aRequestThatGoesAsyncAgainInItsAsyncDispatchEndsWhenItCompletes() throws Exception {
    int port = start(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute("again") != null) {
          response.getWriter().write("jelly");
          return;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
          request.setAttribute("again", true); // as Spring MVC does for a Callable that returns a DeferredResult
        }
        request.startAsync().dispatch();
      }
    });
    assertThat(get(port, "/twice").body()).isEqualTo("jelly");
    assertThat(requestSpan().tag("http.status_code")).isEqualTo("200");
  }

  @Test
  void httpUrlHasNoUserAndPasswordEvenWhenTheRequestTargetCarriesThem() throws Exception {
    int port = start(ok());
    try (Socket socket = new Socket("127.0.0.1", port)) { // a target in absolute form, as a proxy is sent
      socket.setSoTimeout(10_000);
      String request = "GET http://alice:hunter2@127.0.0.1:" + port + "/taste?beer=ipa HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 200");
    }
    // the container builds the request URL from its host, port and path (and answers 400 to a Host header
    // with a user in it before any filter runs)
    assertThat(requestSpan().tag("http.url")).isEqualTo("http://127.0.0.1:" + port + "/taste");
  }

  @Test
  void traceresponseEndsIn00ForADroppedTrace() throws Exception {
    int port = start(ok());
    HttpResponse<String> dropped = get(port, "/",
        "x-datadog-trace-id", "42", "x-datadog-parent-id", "7", "x-datadog-sampling-priority", "0");
    assertThat(dropped.headers().firstValue("traceresponse").orElseThrow()).matches("00-0{30}2a-[0-9a-f]{16}-00");
    // a trace of its own, which this tracer keeps
    assertThat(get(port, "/").headers().firstValue("traceresponse").orElseThrow()).endsWith("-01");
  }

  /** The request's code keeps a trace its caller dropped (or drops one): the header says what happened to it. */
  @Test
  void traceresponseSaysTheDecisionTheRequestsCodeMade() throws Exception {
    int port = start(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Span span = (Span) request.getAttribute(TracingFilter.SPAN_ATTRIBUTE);
        span.setSamplingPriority(request.getParameter("keep") != null ? SamplingPriority.USER_KEEP : SamplingPriority.USER_REJECT);
        response.getWriter().write("small: the headers are not sent before the filter's end");
      }
    });
    HttpResponse<String> kept = get(port, "/?keep",
        "x-datadog-trace-id", "42", "x-datadog-parent-id", "7", "x-datadog-sampling-priority", "0");
    assertThat(kept.headers().firstValue("traceresponse").orElseThrow()).matches("00-0{30}2a-[0-9a-f]{16}-01");
    HttpResponse<String> dropped = get(port, "/");
    assertThat(dropped.headers().firstValue("traceresponse").orElseThrow()).endsWith("-00");
    assertThat(dropped.headers().allValues("traceresponse")).hasSize(1);
  }
}
