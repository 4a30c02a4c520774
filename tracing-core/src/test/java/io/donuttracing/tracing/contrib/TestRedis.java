package io.donuttracing.tracing.contrib;

import io.donuttracing.tracing.FakeAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests: the one at {@code REDIS_URL} when set, else an embedded redis-server on a free
 * loopback port, shared by the tests of this JVM and stopped when it exits.
 */
final class TestRedis {
  private static String url;

  private TestRedis() {}

  static synchronized String url() {
    if (url == null) {
      String fromEnv = System.getenv("REDIS_URL");
      if (fromEnv != null && !fromEnv.isBlank()) {
        url = fromEnv;
      } else {
        int port = FakeAgent.freePort();
        try {
          RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
              .setting("save \"\"").setting("appendonly no").build();
          server.start();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              server.stop();
            } catch (IOException ignored) {
              // the JVM is going away anyway
            }
          }));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        url = "redis://127.0.0.1:" + port;
      }
    }
    return url;
  }
}
