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
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.lettuce.core.resource.ClientResources;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

  @Test
  void tracingNeverChangesWhatIsSentNotEvenWhenACodecHandsOverTheCallersOwnBuffer() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    try (StatefulRedisConnection<String, ByteBuffer> byteBuffers = client.connect(new ByteBufferValues());
        StatefulRedisConnection<String, ByteBuf> byteBufs = client.connect(new ByteBufValues(true));
        StatefulRedisConnection<String, ByteBuf> byteBufsSizedAfter = client.connect(new ByteBufValues(false))) {
      byteBuffers.sync().set("codec_byte_buffer", ByteBuffer.wrap("glazed".getBytes(StandardCharsets.UTF_8)));
      assertThat(StandardCharsets.UTF_8.decode(byteBuffers.sync().get("codec_byte_buffer")).toString()).isEqualTo("glazed");
      byteBufs.sync().set("codec_byte_buf", Unpooled.copiedBuffer("jelly", StandardCharsets.UTF_8));
      assertThat(byteBufs.sync().get("codec_byte_buf").toString(StandardCharsets.UTF_8)).isEqualTo("jelly");
      // a size estimate that is not exact: Lettuce has the codec write into a scratch buffer of the target's allocator
      byteBufsSizedAfter.sync().set("codec_byte_buf_2", Unpooled.copiedBuffer("bacon", StandardCharsets.UTF_8));
      assertThat(byteBufsSizedAfter.sync().get("codec_byte_buf_2").toString(StandardCharsets.UTF_8)).isEqualTo("bacon");
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(writer.spans()).hasSize(6));
    assertThat(writer.spans()).extracting(s -> s.tag("redis.raw_command")).containsExactly(
        "SET codec_byte_buffer glazed", "GET codec_byte_buffer", "SET codec_byte_buf jelly", "GET codec_byte_buf",
        "SET codec_byte_buf_2 bacon", "GET codec_byte_buf_2");
  }

  /** Values as ByteBuffers, handed to Lettuce as they are: Lettuce reads each once, so untraced it works. */
  static final class ByteBufferValues implements RedisCodec<String, ByteBuffer> {
    @Override
    public String decodeKey(ByteBuffer bytes) {
      return StringCodec.UTF8.decodeKey(bytes);
    }

    @Override
    public ByteBuffer decodeValue(ByteBuffer bytes) {
      return ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
    }

    @Override
    public ByteBuffer encodeKey(String key) {
      return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(ByteBuffer value) {
      return value;
    }
  }

  /** Values as Netty ByteBufs, which the codec writes itself into Lettuce's buffer, moving their reader index. */
  static final class ByteBufValues implements RedisCodec<String, ByteBuf>, ToByteBufEncoder<String, ByteBuf> {
    final boolean exact;

    ByteBufValues(boolean exact) {
      this.exact = exact;
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
      return StringCodec.UTF8.decodeKey(bytes);
    }

    @Override
    public ByteBuf decodeValue(ByteBuffer bytes) {
      return Unpooled.copiedBuffer(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
      return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(ByteBuf value) {
      return value.nioBuffer();
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
      target.writeCharSequence(key, StandardCharsets.UTF_8);
    }

    @Override
    public void encodeValue(ByteBuf value, ByteBuf target) {
      target.writeBytes(value);
    }

    @Override
    public int estimateSize(Object keyOrValue) {
      return keyOrValue instanceof ByteBuf value ? value.readableBytes() : ByteBufUtil.utf8Bytes((String) keyOrValue);
    }

    @Override
    public boolean isEstimateExact() {
      return exact;
    }
  }
}
