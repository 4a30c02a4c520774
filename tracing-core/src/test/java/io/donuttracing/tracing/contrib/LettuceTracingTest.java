package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.tracing.FakeAgent;
import io.donuttracing.tracing.RecordingWriter;
import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.redis.LettuceTracing;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KeyValue;
import io.lettuce.core.KillArgs;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.tracing.TraceContext;
import io.lettuce.core.tracing.TraceContextProvider;
import io.lettuce.core.tracing.TracerProvider;
import io.lettuce.core.tracing.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.EncoderException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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

  /**
   * The agent (and the collector) hide a value by its place among the arguments, which it reads split at spaces
   * and line breaks, a quoted argument as one: a value with a space, a line break or nothing in it is quoted, so
   * that it stays one argument and is hidden whole ({@code SET k ?}), not its first word only.
   */
  @Test
  void aValueWithSpacesLineBreaksOrNothingInItStaysOneArgument() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().set("session_token", "Bearer s3cr3t-token");
      connection.sync().hset("baker", Map.of("note", "first line\nsecond \"line\" C:\\"));
      connection.sync().hset("baker", "nickname", "");
      assertThat(connection.sync().get("session_token")).isEqualTo("Bearer s3cr3t-token");
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(writer.spans()).hasSize(4));
    assertThat(writer.spans()).extracting(s -> s.tag("redis.raw_command")).containsExactly(
        "SET session_token \"Bearer s3cr3t-token\"",
        "HSET baker note \"first line\\nsecond \\\"line\\\" C:\\\\\"",
        "HSET baker nickname \"\"",
        "GET session_token");
  }

  /**
   * A codec that cannot encode a value: untraced, Lettuce fails the command at once (and reconnects). The tag's
   * copy of the arguments is encoded first, with the same codec: its failure must not stop the command from
   * being written, or the caller waits for the command's timeout (a minute by default) instead.
   */
  @Test
  void aValueTheCodecCannotEncodeFailsTheCommandAsUntraced() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    client.setDefaultTimeout(Duration.ofSeconds(5)); // how long the caller would wait, were it not failed at once
    try (StatefulRedisConnection<String, String> connection = client.connect(new NoBurntDonuts())) {
      assertThatThrownBy(() -> connection.sync().set("codec_refused", "burnt"))
          .isInstanceOf(EncoderException.class).hasRootCauseMessage("no burnt donuts");
      assertThat(connection.sync().set("codec_accepted", "glazed")).isEqualTo("OK");
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(writer.spans()).hasSize(2));
    Span refused = writer.spans().get(0);
    assertThat(refused.tag("redis.raw_command")).isEqualTo("SET codec_refused");
    assertThat(refused.isError()).isTrue();
    assertThat(refused.tag("error.type")).isEqualTo(EncoderException.class.getName());
  }

  /** Strings, but a value that is "burnt" cannot be encoded. */
  static final class NoBurntDonuts implements RedisCodec<String, String> {
    @Override
    public String decodeKey(ByteBuffer bytes) {
      return StringCodec.UTF8.decodeKey(bytes);
    }

    @Override
    public String decodeValue(ByteBuffer bytes) {
      return StringCodec.UTF8.decodeValue(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
      return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(String value) {
      if (value.equals("burnt")) {
        throw new IllegalArgumentException("no burnt donuts");
      }
      return StringCodec.UTF8.encodeValue(value);
    }
  }

  /**
   * What LettuceTracing's spans rely on, checked on Lettuce itself: before writing a command it calls name,
   * remoteEndpoint and start, around encoding it annotate, and never finish, error or tag, not even for a
   * command that Redis refuses or that closing the connection cuts short. A span must finish itself.
   */
  @Test
  void lettuceStartsSpansButNeverFinishesThem() {
    List<String> calls = new CopyOnWriteArrayList<>();
    ClientResources resources = ClientResources.builder().tracing(new RecordingTracing(calls)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    StatefulRedisConnection<String, String> connection = client.connect();
    try {
      connection.sync().set("contract_key", "glazed");
      assertThatThrownBy(() -> connection.sync().lpush("contract_key", "jelly")).hasMessageContaining("WRONGTYPE");
      RedisFuture<?> cutShort = connection.async().blpop(0, "contract_empty_list");
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> calls.contains("start BLPOP"));
      connection.close();
      assertThatThrownBy(cutShort::get).isInstanceOf(ExecutionException.class);
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    assertThat(calls).containsSubsequence("nextSpan(context)", "name SET", "remoteEndpoint", "start SET",
        "annotate redis.encode.start", "annotate redis.encode.end", "start LPUSH", "start BLPOP");
    assertThat(calls).noneMatch(call -> call.matches("nextSpan\\(\\)|finish|error.*|tag.*"));
  }

  @Test
  void aCommandThatClosingTheConnectionCutsShortEndsItsSpanAsAnError() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    StatefulRedisConnection<String, String> connection = client.connect();
    try (StatefulRedisConnection<String, String> other = client.connect()) {
      RedisFuture<?> cutShort = connection.async().blpop(0, "cut_short_empty_list");
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> other.sync().clientList().contains("cmd=blpop"));
      connection.close();
      assertThatThrownBy(cutShort::get).isInstanceOf(ExecutionException.class);
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Span blpop = awaitSpan("BLPOP");
    assertThat(blpop.isError()).isTrue();
    assertThat(blpop.tag("error.msg")).contains("closed");
  }

  /** The sync API cancels a command that times out: its span says so, rather than an empty message. */
  @Test
  void aCommandThatTimesOutEndsItsSpanSayingItWasCancelled() {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.setTimeout(Duration.ofMillis(200));
      assertThatThrownBy(() -> connection.sync().blpop(0, "timed_out_empty_list"))
          .isInstanceOf(RedisCommandTimeoutException.class);
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    Span blpop = awaitSpan("BLPOP");
    assertThat(blpop.isError()).isTrue();
    assertThat(blpop.tag("error.type")).isEqualTo("java.util.concurrent.CancellationException");
    assertThat(blpop.tag("error.msg")).startsWith("cancelled: the caller stopped waiting");
  }

  /** The first finished span of this command, once the writer has it (a command cut short ends on Lettuce's thread). */
  private Span awaitSpan(String command) {
    return Awaitility.await().atMost(Duration.ofSeconds(5)).until(
        () -> writer.spans().stream().filter(s -> s.resource().equals(command)).findFirst(), Optional::isPresent).get();
  }

  /**
   * Lettuce sends again, once it has reconnected, a command whose connection was lost before the answer came
   * (its default, at-least-once): one call of the application, written twice, is still one span.
   */
  @Test
  void aCommandSentAgainAfterAReconnectIsOneSpan() throws Exception {
    ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
    RedisClient client = RedisClient.create(resources, TestRedis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect();
        StatefulRedisConnection<String, String> other = client.connect()) {
      other.sync().del("resent_list");
      RedisFuture<?> blpop;
      try (Span request = tracer.trace("request")) {
        blpop = connection.async().blpop(0, "resent_list");
      }
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> other.sync().clientList().contains("cmd=blpop"));
      String blocked = other.sync().clientList().lines().filter(line -> line.contains("cmd=blpop")).findFirst().orElseThrow();
      other.sync().clientKill(KillArgs.Builder.id(Long.parseLong(blocked.replaceAll(".*\\bid=(\\d+) .*", "$1"))));
      other.sync().rpush("resent_list", "jelly"); // answers the BLPOP that Lettuce sends again
      assertThat(blpop.get(10, TimeUnit.SECONDS)).isEqualTo(KeyValue.just("resent_list", "jelly"));
    } finally {
      client.shutdown();
      resources.shutdown();
    }
    // the request's trace leaves once its last span has finished: both spans, had the command two
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> writer.chunks.stream()
        .anyMatch(chunk -> chunk.stream().anyMatch(s -> s.name().equals("request"))));
    assertThat(writer.spans()).filteredOn(s -> s.resource().equals("BLPOP")).hasSize(1);
  }

  /** A Lettuce Tracing that only writes down what Lettuce calls. */
  record RecordingTracing(List<String> calls) implements Tracing {
    @Override
    public TracerProvider getTracerProvider() {
      return () -> new io.lettuce.core.tracing.Tracer() {
        @Override
        public Span nextSpan() {
          calls.add("nextSpan()");
          return new RecordingSpan();
        }

        @Override
        public Span nextSpan(TraceContext context) {
          calls.add("nextSpan(context)");
          return new RecordingSpan();
        }
      };
    }

    @Override
    public TraceContextProvider initialTraceContextProvider() {
      return () -> TraceContext.EMPTY;
    }

    @Override
    public boolean isEnabled() {
      return true;
    }

    @Override
    public boolean includeCommandArgsInSpanTags() {
      return true; // Lettuce's own Brave tracing then tags redis.args: see whether Lettuce ever calls tag()
    }

    @Override
    public Endpoint createEndpoint(SocketAddress address) {
      return new Endpoint() {};
    }

    final class RecordingSpan extends io.lettuce.core.tracing.Tracer.Span {
      @Override
      public RecordingSpan start(RedisCommand<?, ?, ?> command) {
        calls.add("start " + command.getType());
        return this;
      }

      @Override
      public RecordingSpan name(String name) {
        calls.add("name " + name);
        return this;
      }

      @Override
      public RecordingSpan annotate(String value) {
        calls.add("annotate " + value);
        return this;
      }

      @Override
      public RecordingSpan tag(String key, String value) {
        calls.add("tag " + key);
        return this;
      }

      @Override
      public RecordingSpan error(Throwable throwable) {
        calls.add("error " + throwable);
        return this;
      }

      @Override
      public RecordingSpan remoteEndpoint(Endpoint endpoint) {
        calls.add("remoteEndpoint");
        return this;
      }

      @Override
      public void finish() {
        calls.add("finish");
      }
    }
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
