package io.donuttracing.matchmaker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.springframework.test.context.DynamicPropertyRegistry;

import redis.embedded.RedisServer;

/**
 * A real Redis for tests: the one at {@code REDIS_URL} when set, else an embedded redis-server on a
 * free port, shared by every test of the JVM and stopped when it exits.
 */
public final class TestRedis {

    private static String sharedUrl;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (sharedUrl == null) {
            String fromEnv = System.getenv("REDIS_URL");
            if (fromEnv != null && !fromEnv.isBlank()) {
                sharedUrl = fromEnv;
            } else {
                RedisServer server = start(freePort());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server)));
                sharedUrl = "redis://127.0.0.1:" + server.ports().get(0);
            }
        }
        return sharedUrl;
    }

    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", TestRedis::url);
    }

    /** A private embedded redis-server, for a test that stops it. */
    public static RedisServer start(int port) {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void stop(RedisServer server) {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
