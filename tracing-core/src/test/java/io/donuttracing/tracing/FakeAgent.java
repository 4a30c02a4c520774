package io.donuttracing.tracing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * A real HTTP server on 127.0.0.1 that records what a tracer sends to the agent's intake and decodes the
 * msgpack of each request. Can be made slow (a gate the handler waits on) or to answer other statuses.
 */
public final class FakeAgent implements AutoCloseable {
  public static final class Request {
    public final String method;
    public final String path;
    public final Map<String, String> headers;
    public final byte[] body;
    public final List<List<Map<String, Object>>> traces;

    Request(String method, String path, Map<String, String> headers, byte[] body, List<List<Map<String, Object>>> traces) {
      this.method = method;
      this.path = path;
      this.headers = headers;
      this.body = body;
      this.traces = traces;
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  public final List<Request> requests = new CopyOnWriteArrayList<>();
  public final AtomicInteger inFlight = new AtomicInteger();
  public volatile CountDownLatch gate;
  public volatile int status = 200;
  public volatile String answer = "{\"rate_by_service\":{\"service:,env:\":1.0}}";
  /** When set, every answer but /info's carries it as {@code Datadog-Agent-State}, as a real agent's do. */
  public volatile String agentState;
  /** The {@code GET /info} document; null answers 404, as an agent too old to have one. */
  public volatile String info;
  /** /info requests are counted here, not recorded in {@link #requests}. */
  public final AtomicInteger infoRequests = new AtomicInteger();
  /** Answers with the headers and half the body, then stalls until closed: an agent hung in mid-answer. */
  public volatile boolean stallInBody;
  /** Bytes written after each answer's body, which then has no length: an agent whose answer goes on and on. */
  public volatile int padding;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final HttpServer server;

  private FakeAgent(int port) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-agent");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
      inFlight.incrementAndGet();
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readAllBytes();
        CountDownLatch g = gate;
        if (g != null) {
          g.await(60, TimeUnit.SECONDS);
        }
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/info")) {
          infoRequests.incrementAndGet();
          String doc = info;
          respond(exchange, doc == null ? 404 : 200, (doc == null ? "404 page not found" : doc).getBytes(StandardCharsets.UTF_8));
          return;
        }
        List<List<Map<String, Object>>> traces = path.startsWith("/v0.4") ? decode(body) : List.of();
        requests.add(new Request(exchange.getRequestMethod(), path, headers, body, traces));
        byte[] out = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (agentState != null) {
          exchange.getResponseHeaders().set("Datadog-Agent-State", agentState);
        }
        respond(exchange, status, out);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
        exchange.close();
      }
    });
    server.start();
  }

  private void respond(HttpExchange exchange, int status, byte[] out) throws IOException, InterruptedException {
    if (stallInBody) {
      exchange.sendResponseHeaders(status, out.length + 1000L);
      exchange.getResponseBody().write(out, 0, out.length / 2);
      exchange.getResponseBody().flush();
      closed.await();
      return;
    }
    int more = padding;
    exchange.sendResponseHeaders(status, more > 0 ? 0 : out.length); // 0: chunked, of any length
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
      for (byte[] spaces = new byte[64 * 1024]; more > 0 && closed.getCount() > 0; more -= spaces.length) {
        os.write(spaces, 0, Math.min(more, spaces.length));
      }
    }
  }

  public static FakeAgent start() {
    return new FakeAgent(0);
  }

  public static FakeAgent start(int port) {
    return new FakeAgent(port);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public List<Map<String, Object>> spans() {
    List<Map<String, Object>> all = new ArrayList<>();
    for (Request r : requests) {
      r.traces.forEach(all::addAll);
    }
    return all;
  }

  public int traceCount() {
    return requests.stream().mapToInt(r -> r.traces.size()).sum();
  }

  @Override
  public void close() {
    closed.countDown();
    CountDownLatch g = gate;
    if (g != null) {
      g.countDown();
    }
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  /** A port nothing listens on (for "agent down"). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  public static List<List<Map<String, Object>>> decode(byte[] body) throws IOException {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(body)) {
      Object value = toJava(unpacker.unpackValue());
      List<List<Map<String, Object>>> traces = new ArrayList<>();
      for (Object trace : (List<Object>) value) {
        List<Map<String, Object>> spans = new ArrayList<>();
        for (Object span : (List<Object>) trace) {
          spans.add((Map<String, Object>) span);
        }
        traces.add(spans);
      }
      return traces;
    }
  }

  /** One msgpack value, e.g. a {@code /v0.6/stats} body, as Java maps, lists, strings and numbers. */
  public static Object decodeValue(byte[] body) throws IOException {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(body)) {
      return toJava(unpacker.unpackValue());
    }
  }

  /** Integers become Long (uint64 above Long.MAX_VALUE wraps, like Java's unsigned longs), floats Double. */
  static Object toJava(Value v) {
    switch (v.getValueType()) {
      case NIL:
        return null;
      case BOOLEAN:
        return v.asBooleanValue().getBoolean();
      case INTEGER:
        return v.asIntegerValue().toLong();
      case FLOAT:
        return v.asFloatValue().toDouble();
      case STRING:
        return v.asStringValue().asString();
      case BINARY:
        return v.asBinaryValue().asByteArray();
      case ARRAY:
        List<Object> list = new ArrayList<>();
        v.asArrayValue().forEach(e -> list.add(toJava(e)));
        return list;
      case MAP:
        Map<String, Object> map = new LinkedHashMap<>();
        v.asMapValue().entrySet().forEach(e -> map.put(e.getKey().asStringValue().asString(), toJava(e.getValue())));
        return map;
      default:
        return v.toString();
    }
  }
}
