package io.donuttracing.matchmaker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

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

    /**
     * A port free now, for a server started later. Taken below the ephemeral ports (32768 and up on Linux, 49152
     * on macOS), from which the system picks the local port of every outgoing connection and of every server on
     * port 0: a port from there could be taken by the time Redis starts on it ("Address already in use").
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000 on 127.0.0.1");
    }
}
