package io.donuttracing.matchmaker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.sun.net.httpserver.HttpServer;

/**
 * Where the tests' tracers send: a real HTTP server on a free port of 127.0.0.1 that takes every trace
 * request as an agent would and keeps what it received. Without it the tracer would send to the default
 * 127.0.0.1:8126, into the collector of a workshop left running.
 */
public final class TestAgent {

    private static TestAgent shared;

    private final HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();

    private TestAgent() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                // msgpack keeps strings as plain UTF-8, so a span's name and resource can be found in the text
                received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                        + new String(body.readAllBytes(), StandardCharsets.UTF_8));
                byte[] answer = "{\"rate_by_service\":{}}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** An agent of the caller's own, for a test that looks at what arrives. */
    public static TestAgent start() {
        return new TestAgent();
    }

    /** Points the application's tracer at an agent shared by the tests that do not look at it. */
    public static synchronized void register(DynamicPropertyRegistry registry) {
        if (shared == null) {
            shared = start();
        }
        shared.registerAsAgent(registry);
    }

    public void registerAsAgent(DynamicPropertyRegistry registry) {
        registry.add("dd.trace.agent.url", () -> "http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every request so far, as {@code PUT /v0.4/traces <body>}. */
    public List<String> received() {
        return received;
    }
}
