package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.Tracer;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.MethodParameter;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * The implicit way, end to end: a real Spring MVC app on a free port with {@code dd.trace.spring.auto-configure=true}
 * and no tracing code, H2 through JdbcTemplate, a real Redis through Spring Data Redis (Lettuce), and a
 * RestClient that calls the app's own {@code /taste} route (standing in for the taster service). The
 * spans go to a recording agent on loopback.
 */
@SpringBootTest(classes = SpringIntegrationTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "dd.trace.spring.auto-configure=true",
        "dd.service=matchmaker",
        "dd.env=test",
        "dd.trace.flush.interval=0.2",
        "server.address=127.0.0.1",
        "spring.datasource.url=jdbc:h2:mem:springtracing;DB_CLOSE_DELAY=-1",
        "spring.datasource.generate-unique-name=false"})
class SpringIntegrationTest {
  static final FakeAgent AGENT = FakeAgent.start();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("dd.trace.agent.url", AGENT::url);
    registry.add("spring.data.redis.url", TestRedis::url);
  }

  @AfterAll
  static void stopAgent() {
    AGENT.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  Tracer tracer;

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import({Routes.class, AsyncRoutes.class, WorkWhileTheAnswerIsWritten.class})
  static class App {
    /** Runs on the request's thread before the first filter and after the last: what context it finds there. */
    @Bean
    ServletRequestListener contextOutsideTheFilter(Tracer tracer) {
      return new ServletRequestListener() {
        @Override
        public void requestInitialized(ServletRequestEvent event) {
          record("before", tracer);
        }

        @Override
        public void requestDestroyed(ServletRequestEvent event) {
          record("after", tracer);
        }
      };
    }

    static void record(String when, Tracer tracer) {
      CONTEXT_OUTSIDE_THE_FILTER.add(when + ": span " + tracer.activeSpan() + ", MDC " + MDC.get("dd.trace_id"));
    }
  }

  static final List<String> CONTEXT_OUTSIDE_THE_FILTER = new CopyOnWriteArrayList<>();

  @RestController
  static class Routes {
    final JdbcTemplate jdbc;
    final StringRedisTemplate redis;
    final RestClient.Builder builder;
    final Environment environment;
    final Tracer tracer;
    private RestClient taster;

    Routes(JdbcTemplate jdbc, StringRedisTemplate redis, RestClient.Builder builder, Environment environment, Tracer tracer) {
      this.jdbc = jdbc;
      this.redis = redis;
      this.tracer = tracer;
      this.builder = builder;
      this.environment = environment;
      jdbc.execute("CREATE TABLE IF NOT EXISTS beers (name VARCHAR(20) PRIMARY KEY, hops INT)");
      jdbc.execute("MERGE INTO beers KEY (name) VALUES ('ipa', 7)");
    }

    synchronized RestClient taster() { // the port is known only once the server has started
      if (taster == null) {
        taster = builder.baseUrl("http://127.0.0.1:" + environment.getProperty("local.server.port")).build();
      }
      return taster;
    }

    @GetMapping("/beers/{name}")
    Map<String, Object> beer(@PathVariable String name) {
      List<Integer> hops = jdbc.queryForList("SELECT hops FROM beers WHERE name = ?", Integer.class, name);
      if (hops.isEmpty()) {
        throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no beer " + name);
      }
      return Map.of("name", name, "hops", hops.get(0));
    }

    @GetMapping("/pair/beer")
    Map<String, Object> pair(@RequestParam String name) {
      int hops = jdbc.queryForObject("SELECT hops FROM beers WHERE name = ?", Integer.class, name);
      redis.opsForValue().set("optimal_sugar_level_for_hops_" + hops, "4");
      String sugar = redis.opsForValue().get("optimal_sugar_level_for_hops_" + hops);
      String match = tracer.trace("match", () ->
          taster().get().uri("/taste?beer={b}&donut={d}", name, "jelly").retrieve().body(String.class));
      return Map.of("match", "jelly", "sugar", sugar, "taste", match);
    }

    @GetMapping("/taste")
    String taste(@RequestHeader(name = "x-datadog-trace-id", required = false) String traceId) {
      return "{\"score\":7}";
    }

    @GetMapping("/mdc")
    Map<String, String> mdc() {
      return Map.of("trace", MDC.get("dd.trace_id"), "span", MDC.get("dd.span_id"));
    }

    @GetMapping("/boom")
    String boom() {
      throw new IllegalStateException("the fryer caught fire");
    }
  }

  /** Routes whose answer Spring MVC writes later, in an async dispatch. */
  @RestController
  static class AsyncRoutes {
    @GetMapping("/deferred/never")
    DeferredResult<String> never() {
      return new DeferredResult<>(200L); // never set: Spring MVC answers 503 when it times out
    }

    @GetMapping("/deferred/later")
    DeferredResult<String> later() {
      DeferredResult<String> result = new DeferredResult<>(5000L);
      new Thread(() -> result.setResult("jelly")).start(); // Spring MVC writes it in an async dispatch
      return result;
    }
  }

  /** Work done while Spring MVC writes an answer of {@link AsyncRoutes}, in the async dispatch. */
  @ControllerAdvice(assignableTypes = AsyncRoutes.class)
  static class WorkWhileTheAnswerIsWritten implements ResponseBodyAdvice<Object> {
    final Tracer tracer;

    WorkWhileTheAnswerIsWritten(Tracer tracer) {
      this.tracer = tracer;
    }

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
      return true;
    }

    @Override
    public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType contentType,
        Class<? extends HttpMessageConverter<?>> converterType, ServerHttpRequest request, ServerHttpResponse response) {
      tracer.trace("body.write").close();
      return body + ", logged with trace " + MDC.get("dd.trace_id");
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The trace id (low 64 bits) from a {@code traceresponse} header. */
  static long traceId(HttpResponse<String> response) {
    String header = response.headers().firstValue("traceresponse").orElseThrow();
    assertThat(header).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    return Long.parseUnsignedLong(header.substring(19, 35), 16);
  }

  static List<Map<String, Object>> trace(long traceId, int atLeast) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spansOf(traceId))
        .extracting(s -> s.get("name") + " " + s.get("resource")).hasSizeGreaterThanOrEqualTo(atLeast));
    return spansOf(traceId);
  }

  static List<Map<String, Object>> spansOf(long traceId) {
    return AGENT.spans().stream().filter(s -> Long.valueOf(traceId).equals(s.get("trace_id"))).collect(Collectors.toList());
  }

  static Map<String, Object> one(List<Map<String, Object>> spans, String name, String resource) {
    List<Map<String, Object>> found = spans.stream()
        .filter(s -> name.equals(s.get("name")) && (resource == null || resource.equals(s.get("resource"))))
        .collect(Collectors.toList());
    assertThat(found).as("%s %s in %s", name, resource, spans).hasSize(1);
    return found.get(0);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> meta(Map<String, Object> span) {
    return (Map<String, Object>) span.get("meta");
  }

  @Test
  void aPairingRequestIsOneTraceAcrossServletJdbcRedisAndTheHttpClient() throws Exception {
    HttpResponse<String> response = get("/pair/beer?name=ipa");
    assertThat(response.statusCode()).isEqualTo(200);
    List<Map<String, Object>> spans = trace(traceId(response), 7);

    Map<String, Object> server = one(spans, "servlet.request", "GET /pair/beer");
    assertThat(server).containsEntry("service", "matchmaker").containsEntry("type", "web")
        .containsEntry("parent_id", 0L).containsEntry("error", 0L);
    assertThat(meta(server)).containsEntry("http.method", "GET").containsEntry("http.status_code", "200")
        .containsEntry("http.url", "http://127.0.0.1:" + port + "/pair/beer").containsEntry("env", "test");

    Map<String, Object> query = one(spans, "h2.query", "SELECT hops FROM beers WHERE name = ?");
    assertThat(query).containsEntry("service", "db").containsEntry("type", "sql")
        .containsEntry("parent_id", server.get("span_id"));

    Map<String, Object> get = one(spans, "redis.command", "GET");
    assertThat(get).containsEntry("service", "redis").containsEntry("type", "redis")
        .containsEntry("parent_id", server.get("span_id"));
    assertThat(meta(get)).containsEntry("redis.raw_command", "GET optimal_sugar_level_for_hops_7");
    one(spans, "redis.command", "SET");

    Map<String, Object> match = one(spans, "match", null);
    assertThat(match).containsEntry("service", "matchmaker").containsEntry("parent_id", server.get("span_id"));
    Map<String, Object> client = one(spans, "http.request", "GET /taste");
    assertThat(client).containsEntry("type", "http").containsEntry("parent_id", match.get("span_id"));
    assertThat(meta(client)).containsEntry("out.host", "127.0.0.1").containsEntry("http.status_code", "200");

    // the called side continued the same trace from the injected headers
    Map<String, Object> taster = one(spans, "servlet.request", "GET /taste");
    assertThat(taster).containsEntry("parent_id", client.get("span_id"));
  }

  @Test
  void resourcesUseTheRoutePatternAndUnmatchedUrlsCollapseTo404() throws Exception {
    HttpResponse<String> unknownBeer = get("/beers/guinness");
    assertThat(unknownBeer.statusCode()).isEqualTo(404);
    Map<String, Object> span = one(trace(traceId(unknownBeer), 2), "servlet.request", null);
    assertThat(span).containsEntry("resource", "GET /beers/{name}").containsEntry("error", 0L);
    assertThat(meta(span)).containsEntry("http.status_code", "404");

    HttpResponse<String> nowhere = get("/no/such/page/42");
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertThat(one(trace(traceId(nowhere), 1), "servlet.request", null)).containsEntry("resource", "GET 404");
  }

  @Test
  void anEscapingExceptionMarksTheServerSpanAsAnError() throws Exception {
    HttpResponse<String> response = get("/boom");
    assertThat(response.statusCode()).isEqualTo(500);
    Map<String, Object> span = one(trace(traceId(response), 1), "servlet.request", null);
    assertThat(span).containsEntry("resource", "GET /boom").containsEntry("error", 1L);
    assertThat(meta(span)).containsEntry("http.status_code", "500")
        .containsEntry("error.type", "jakarta.servlet.ServletException");
  }

  @Test
  void aDeferredResultThatTimesOutIsRecordedWithTheStatusSpringAnswered() throws Exception {
    HttpResponse<String> response = get("/deferred/never");
    assertThat(response.statusCode()).isEqualTo(503);
    Map<String, Object> span = one(trace(traceId(response), 1), "servlet.request", null);
    assertThat(span).containsEntry("resource", "GET /deferred/never").containsEntry("error", 1L);
    assertThat(meta(span)).containsEntry("http.status_code", "503");
    assertThat(((Map<?, ?>) span.get("metrics")).get("timeout")).isEqualTo(200L);
  }

  @Test
  void workInTheAsyncDispatchOfADeferredResultIsUnderTheRequestSpan() throws Exception {
    HttpResponse<String> response = get("/deferred/later");
    long traceId = traceId(response);
    assertThat(response.body()).isEqualTo("jelly, logged with trace " + Long.toUnsignedString(traceId));
    List<Map<String, Object>> spans = trace(traceId, 2);
    assertThat(one(spans, "body.write", null))
        .containsEntry("parent_id", one(spans, "servlet.request", "GET /deferred/later").get("span_id"));
  }

  @Test
  void anIncomingDatadogContextIsContinuedAndLogsCarryTheIds() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mdc"))
        .header("x-datadog-trace-id", "1234567890123").header("x-datadog-parent-id", "42")
        .header("x-datadog-sampling-priority", "2").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(traceId(response)).isEqualTo(1234567890123L);
    Map<String, Object> span = one(trace(1234567890123L, 1), "servlet.request", "GET /mdc");
    assertThat(span).containsEntry("parent_id", 42L);
    assertThat(response.body()).contains("\"trace\":\"1234567890123\"")
        .contains("\"span\":\"" + Long.toUnsignedString((Long) span.get("span_id")) + "\"");
    assertThat(((Map<?, ?>) span.get("metrics")).get("_sampling_priority_v1")).isEqualTo(2L);
  }

  @Test
  void theAutoConfiguredTracerIsGlobalAndTheRequestThreadsKeepNoContext() throws Exception {
    assertThat(Tracer.global()).isSameAs(tracer);
    CONTEXT_OUTSIDE_THE_FILTER.clear();
    for (int i = 0; i < 5; i++) {
      assertThat(get("/mdc").body()).contains("\"trace\":\""); // inside the filter, the request has its trace
    }
    // on Tomcat's threads, before and after the traced part of each request: no span, no ids in the MDC
    await().atMost(Duration.ofSeconds(10)).until(() -> CONTEXT_OUTSIDE_THE_FILTER.size() >= 10); // "after" may follow the answer
    assertThat(CONTEXT_OUTSIDE_THE_FILTER).containsOnly("before: span null, MDC null", "after: span null, MDC null");
  }
}
