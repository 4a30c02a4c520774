package io.donuttracing.tracing.contrib.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.web.client.RestClient;

/** The client span's tags, read from the request's URI; the call itself is answered in memory, or by a server on loopback. */
class TracingClientHttpRequestInterceptorTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);

  Span call(String uri) throws Exception {
    new TracingClientHttpRequestInterceptor(tracer).intercept(new MockClientHttpRequest(HttpMethod.GET, URI.create(uri)),
        new byte[0], (request, body) -> new MockClientHttpResponse(new byte[0], HttpStatus.OK));
    Span span = writer.span("http.request");
    writer.chunks.clear();
    return span;
  }

  @Test
  void httpUrlHasNeitherTheUserAndPasswordNorTheQueryOfTheUri() throws Exception {
    Span span = call("https://alice:hunter2@api.example.com/taste?beer=ipa#top");
    assertThat(span.tag("http.url")).isEqualTo("https://api.example.com/taste");
    assertThat(span.tag("out.host")).isEqualTo("api.example.com");
    assertThat(span.resource()).isEqualTo("GET /taste");

    // a host Java's URI cannot parse as one (an underscore, as in Docker Compose service names)
    assertThat(call("http://alice:hunter2@taster_service:5001/taste").tag("http.url"))
        .isEqualTo("http://taster_service:5001/taste");
    assertThat(call("http://bob@[::1]:5001/taste%20test?x=1").tag("http.url")).isEqualTo("http://[::1]:5001/taste%20test");
    assertThat(call("http://localhost:5001").tag("http.url")).isEqualTo("http://localhost:5001/");
  }

  /**
   * A real call to a Docker Compose service name, {@code taster_service}, which Java's URI has no host for: sent
   * through an HTTP proxy on loopback (the proxy gets the whole URL), so the name need not resolve here.
   */
  @Test
  void outHostAndOutPortAreTheURLsAlsoForAHostWithAnUnderscore() throws Exception {
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> targets = new CopyOnWriteArrayList<>();
    proxy.createContext("/", exchange -> {
      targets.add(exchange.getRequestURI().toString());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    proxy.start();
    try {
      SimpleClientHttpRequestFactory viaProxy = new SimpleClientHttpRequestFactory();
      viaProxy.setProxy(new Proxy(Proxy.Type.HTTP, proxy.getAddress()));
      RestClient client = RestClient.builder().requestFactory(viaProxy)
          .requestInterceptor(new TracingClientHttpRequestInterceptor(tracer)).build();
      client.get().uri("http://taster_service:5001/taste?beer=ipa").retrieve().toBodilessEntity();
    } finally {
      proxy.stop(0);
    }
    assertThat(targets).containsExactly("http://taster_service:5001/taste?beer=ipa");
    Span span = writer.span("http.request");
    assertThat(span.tag("http.url")).isEqualTo("http://taster_service:5001/taste");
    assertThat(span.tag("out.host")).isEqualTo("taster_service");
    assertThat(span.metric("out.port").intValue()).isEqualTo(5001);
    assertThat(span.tag("http.status_code")).isEqualTo("200");
  }

  /** As dd-trace-java's client spans (HttpClientDecorator: SimpleHttpPathNormalizer on the URI's path): one resource per route. */
  @Test
  void theResourceHasNoIdsAndNoQuery() throws Exception {
    assertThat(call("http://localhost:5001/users/123").resource()).isEqualTo("GET /users/?");
    assertThat(call("http://localhost:5001/users/456?x=1#top").resource()).isEqualTo("GET /users/?");
    assertThat(call("http://localhost:5001/users/a1b2/orders/42/").resource()).isEqualTo("GET /users/?/orders/?/");
    assertThat(call("http://localhost:5001/taste?beer=ipa&donut=jelly").resource()).isEqualTo("GET /taste");
    assertThat(call("http://localhost:5001").resource()).isEqualTo("GET /");
    assertThat(call("http://localhost:5001/users/123").tag("http.url")).isEqualTo("http://localhost:5001/users/123");
  }
}
