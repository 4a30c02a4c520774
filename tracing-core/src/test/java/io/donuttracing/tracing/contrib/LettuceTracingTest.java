package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.redis.LettuceTracing;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/** {@code LettuceTracing} against a real redis-server: what its spans show, and what they must never show. */
class LettuceTracingTest {
  final RecordingWriter writer = new RecordingWriter();
  final Tracer tracer = RecordingWriter.tracer(writer);

  @Test
  void noPasswordEverReachesASpanNorLettucesOwnHandshakeATrace() throws Exception {
    int port = FakeAgent.freePort();
    RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
        .setting("save \"\"").setting("appendonly no").setting("requirepass s3cr3t-pw").build();
    server.start();
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    // Lettuce 6 opens the connection with "HELLO 3 AUTH default s3cr3t-pw", then two CLIENT SETINFO
    RedisClient client = RedisClient.create(resources, "redis://:s3cr3t-pw@127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      redis.ping();
      redis.auth("s3cr3t-pw");
      redis.aclSetuser("donut_baker", AclSetuserArgs.Builder.on().addPassword("baker-pw").allCommands());
      redis.configSet("masterauth", "master-pw");
      // no such key: Redis answers NOKEY without connecting anywhere
      redis.migrate("127.0.0.1", FakeAgent.freePort(), 0, 100, MigrateArgs.Builder.<String>key("no_such_key").auth("migrate-pw"));
      assertThatThrownBy(() -> redis.auth("wrong-pw")).hasMessageContaining("WRONGPASS");
    } finally {
      client.shutdown();
      resources.shutdown();
      server.stop();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(writer.spans()).hasSizeGreaterThanOrEqualTo(6));
    // what the agent receives (the tags) and what DD_TRACE_DEBUG logs (describe())
    assertThat(writer.spans()).allSatisfy(s -> assertThat(s.describe()).doesNotContain("-pw"));
    assertThat(writer.spans()).extracting(s -> s.tag("redis.raw_command")).containsExactly(
        "PING", "AUTH ?", "ACL SETUSER ?", "CONFIG SET ?", "MIGRATE ?", "AUTH ?");
  }
}
