package io.donuttracing.tracing.contrib.redis;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.SpanContext;
import io.donuttracing.tracing.Tracer;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.CompleteableCommand;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.protocol.TracedCommand;
import io.lettuce.core.tracing.TraceContext;
import io.lettuce.core.tracing.TraceContextProvider;
import io.lettuce.core.tracing.TracerProvider;
import io.lettuce.core.tracing.Tracing;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * Traces the commands an application sends through a Lettuce Redis client, with Lettuce's own tracing hook
 * ({@link Tracing} in its {@code ClientResources}), so no call site changes:
 *
 * <pre>{@code
 * ClientResources resources = ClientResources.builder().tracing(new LettuceTracing(tracer)).build();
 * RedisClient client = RedisClient.create(resources, "redis://localhost:6379");
 * }</pre>
 *
 * Each command the application sends becomes a {@code redis.command} span: service {@code redis}, type
 * {@code redis}, resource the command ({@code GET}, {@code LRANGE}), tags {@code redis.raw_command} (the
 * command and its arguments, each cut at 100 bytes of UTF-8 and the whole at 1,000 chars, never inside a
 * character, with the arguments that can carry a password hidden), {@code out.host}, {@code out.port}. The
 * commands Lettuce sends by itself to set up a connection ({@code HELLO}, {@code CLIENT SETINFO}...) are
 * not traced, as Datadog's Java tracer does not trace them.
 *
 * <p>How it fits Lettuce: the calling thread's active span is captured when the command is dispatched
 * ({@link #initialTraceContextProvider()}); the span itself is started on Lettuce's I/O thread and finished
 * where the command completes (that thread, or the one that times it out or cancels it), so it is never made
 * active.
 */
public final class LettuceTracing implements Tracing {
  private static final int MAX_ARGUMENT = 100; // bytes of an argument's UTF-8
  private static final int MAX_RAW_COMMAND = 1000; // chars of the whole
  /** How much of the arguments' encoding is read; a larger argument shows as {@code ...} alone. */
  private static final int MAX_ENCODED = 64 * 1024;
  private static final String CUT = "...";

  private final Tracer tracer;
  private final String service;

  public LettuceTracing(Tracer tracer) {
    this(tracer, "redis");
  }

  public LettuceTracing(Tracer tracer, String service) {
    this.tracer = tracer;
    this.service = service;
  }

  @Override
  public TracerProvider getTracerProvider() {
    return () -> new CommandTracer();
  }

  @Override
  public TraceContextProvider initialTraceContextProvider() {
    return () -> {
      Span active = tracer.activeSpan();
      return active == null ? TraceContext.EMPTY : new ParentContext(active.context());
    };
  }

  @Override
  public boolean isEnabled() {
    return true;
  }

  @Override
  public boolean includeCommandArgsInSpanTags() {
    return false; // start() reads the arguments itself for redis.raw_command
  }

  @Override
  public Endpoint createEndpoint(SocketAddress socketAddress) {
    return new RedisEndpoint(socketAddress);
  }

  /** The caller's span context, carried from the calling thread to Lettuce's I/O thread. */
  private static final class ParentContext implements TraceContext {
    final SpanContext context;

    ParentContext(SpanContext context) {
      this.context = context;
    }
  }

  private static final class RedisEndpoint implements Endpoint {
    final SocketAddress address;

    RedisEndpoint(SocketAddress address) {
      this.address = address;
    }
  }

  private final class CommandTracer extends io.lettuce.core.tracing.Tracer {
    @Override
    public io.lettuce.core.tracing.Tracer.Span nextSpan() {
      return new CommandSpan(null); // Lettuce does not call it
    }

    @Override
    public io.lettuce.core.tracing.Tracer.Span nextSpan(TraceContext traceContext) {
      return new CommandSpan(traceContext instanceof ParentContext ? ((ParentContext) traceContext).context : null);
    }
  }

  /**
   * Lettuce (6.8) calls name, remoteEndpoint, then start, on its I/O thread before writing the command (on a new
   * Span each time it writes it: again after a reconnect), and annotate around encoding it. It never calls finish,
   * error or tag, not even for a command that fails or is cut short: start() has the span finished when the
   * command completes, however it completes.
   */
  private final class CommandSpan extends io.lettuce.core.tracing.Tracer.Span {
    private final SpanContext parent;
    private String host;
    private int port;

    CommandSpan(SpanContext parent) {
      this.parent = parent;
    }

    @Override
    public CommandSpan start(RedisCommand<?, ?, ?> command) {
      TracedCommand<?, ?, ?> traced = CommandWrapper.unwrap(command, TracedCommand.class);
      if (traced == null) {
        // Lettuce wraps each command the application dispatches in a TracedCommand; the rest is its own
        // connection set-up (HELLO 3 AUTH user password, CLIENT SETINFO, SELECT), sent with no span active:
        // each would be a trace of its own. Datadog's Java tracer does not trace them either.
        return this;
      }
      if (traced.getSpan() != null) {
        // written before, and sent again after a reconnect: the span started then ends when it completes
        return this;
      }
      String name = command.getType().toString().toUpperCase(Locale.ROOT);
      Span span = tracer.startSpan("redis.command", service, parent);
      span.setType("redis");
      span.setResource(name);
      span.setTag("span.kind", "client");
      span.setTag("redis.raw_command", rawCommand(name, command.getArgs()));
      if (host != null) {
        span.setTag("out.host", host);
        span.setTag("out.port", port);
      }
      if (command instanceof CompleteableCommand<?> completeable) { // Lettuce traces no other kind
        // with its result, an error reply, or an exception (the connection closed, a timeout, a cancel)
        completeable.onComplete((result, failure) -> {
          if (failure instanceof CancellationException) {
            // the sync API cancels a command whose answer did not come within its timeout (and so may the
            // application); the caller got RedisCommandTimeoutException, the span would get an empty message
            span.recordException(failure);
            span.setTag("error.msg",
                "cancelled: the caller stopped waiting for the answer (the sync API does at its timeout)");
          } else if (failure != null) {
            span.recordException(failure);
          } else if (command.getOutput() != null && command.getOutput().getError() != null) {
            span.setError(true);
            span.setTag("error.msg", command.getOutput().getError());
          }
          span.finish();
        });
      }
      return this;
    }

    @Override
    public CommandSpan name(String name) {
      return this; // the resource is taken from the command itself in start()
    }

    @Override
    public CommandSpan annotate(String value) {
      return this; // redis.encode.start and redis.encode.end: not recorded
    }

    @Override
    public CommandSpan tag(String key, String value) {
      return this; // Lettuce does not call it
    }

    @Override
    public CommandSpan error(Throwable throwable) {
      return this; // Lettuce does not call it
    }

    @Override
    public CommandSpan remoteEndpoint(Endpoint endpoint) {
      if (endpoint instanceof RedisEndpoint && ((RedisEndpoint) endpoint).address instanceof InetSocketAddress) {
        InetSocketAddress address = (InetSocketAddress) ((RedisEndpoint) endpoint).address;
        host = address.getHostString(); // tagged in start(), which Lettuce calls next
        port = address.getPort();
      }
      return this;
    }

    @Override
    public void finish() {
      // Lettuce does not call it
    }
  }

  /**
   * {@code SET key value}: the command and its arguments, each argument cut at 100 bytes of its UTF-8 and the
   * whole at 1,000 Java chars, each cut marked {@code ...}, and moved back so that it never falls inside a
   * character (Datadog's Python tracer cuts at 100 and 1,000 characters: the same for ASCII; the agent hides
   * the values). An empty argument, or one with a space, a line break, a tab, a quote or a backslash in it, is quoted
   * ({@code SET k "crème brûlée"}), so that the agent reads it as one and hides all of it.
   * Arguments that can carry a password are never shown, not even to the agent: {@code AUTH ?},
   * {@code HELLO ?}, {@code MIGRATE ?}, and for {@code ACL}, {@code CONFIG} and {@code SENTINEL} the
   * subcommand alone ({@code ACL SETUSER ?}), as the Datadog agent's Redis obfuscator hides them.
   *
   * <p>The arguments are read back from their encoding in the Redis protocol, {@code $<length>\r\n<bytes>\r\n}
   * each, written into a buffer of 64 KB at most: a large value is never turned into a string whole. One that
   * does not fit shows as {@code ...} alone, and ends the arguments shown.
   */
  static String rawCommand(String name, CommandArgs<?, ?> args) {
    if (args == null || args.count() == 0) {
      return name;
    }
    int argumentsShown = switch (name) {
      case "AUTH", "HELLO", "MIGRATE" -> 0; // AUTH [user] pw, HELLO 3 AUTH user pw, MIGRATE ... AUTH pw
      case "ACL", "CONFIG", "SENTINEL" -> 1; // ACL SETUSER u >pw, CONFIG SET masterauth pw, SENTINEL SET m auth-pass pw
      default -> Integer.MAX_VALUE;
    };
    if (argumentsShown == 0) {
      return name + " ?";
    }
    ByteBuf encoded = new Copy(256, MAX_ENCODED);
    try {
      args.encode(encoded);
    } catch (IndexOutOfBoundsException fullBuffer) {
      // the arguments go on past MAX_ENCODED bytes: what was written is all we can show anyway
    } catch (RuntimeException codecFailure) {
      // the codec cannot encode an argument: show those before it. Lettuce, which encodes the command after us,
      // fails the command with it, as it would untraced; thrown from here, it would never write the command,
      // but try again and again until the command timed out.
    }
    try {
      StringBuilder text = new StringBuilder(name);
      for (int i = 0; encoded.readableBytes() > 0 && text.length() < MAX_RAW_COMMAND && encoded.readByte() == '$'; i++) {
        if (i == argumentsShown) {
          return text.append(" ?").toString();
        }
        int length = readLength(encoded);
        int shown = Math.min(Math.min(length, encoded.readableBytes()), MAX_ARGUMENT);
        // never cut a character in two: a byte 10xxxxxx continues a UTF-8 character, so go back to its start
        while (shown > 0 && shown < length && shown < encoded.readableBytes()
            && (encoded.getByte(encoded.readerIndex() + shown) & 0xC0) == 0x80) {
          shown--;
        }
        String argument = encoded.toString(encoded.readerIndex(), shown, StandardCharsets.UTF_8);
        // an empty value quoted, or the agent would take the next argument for it; one cut to nothing is ... alone
        text.append(' ').append(length == 0 ? "\"\"" : quoted(argument)).append(shown < length ? CUT : "");
        encoded.skipBytes(Math.min(length + 2, encoded.readableBytes())); // the bytes and their \r\n
      }
      if (text.length() <= MAX_RAW_COMMAND) {
        return text.toString();
      }
      // nor here: a character past U+FFFF is two chars in Java, a surrogate pair
      int end = Character.isHighSurrogate(text.charAt(MAX_RAW_COMMAND - 1)) ? MAX_RAW_COMMAND - 1 : MAX_RAW_COMMAND;
      return text.substring(0, end) + CUT;
    } finally {
      encoded.release();
    }
  }

  /**
   * An argument as redis-cli shows it: in double quotes, with {@code \}, {@code "} and line breaks escaped, when it
   * holds whitespace, a quote (either kind) or a backslash. The agent hides a value by its place among the arguments, which it
   * reads split at spaces and line breaks, a quoted one as one: unquoted, {@code SET token Bearer abc} would
   * become {@code SET token ? abc}.
   */
  private static String quoted(String argument) {
    boolean plain = true;
    for (int i = 0; plain && i < argument.length(); i++) {
      char c = argument.charAt(i);
      plain = !Character.isWhitespace(c) && c != '"' && c != '\'' && c != '\\';
    }
    if (plain) {
      return argument;
    }
    StringBuilder quoted = new StringBuilder(argument.length() + 8).append('"');
    for (int i = 0; i < argument.length(); i++) {
      char c = argument.charAt(i);
      switch (c) {
        case '\\', '"' -> quoted.append('\\').append(c);
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }

  /**
   * The buffer the arguments are encoded into for the tag. A codec may hand Lettuce the caller's own
   * {@link ByteBuffer} to send, or write the caller's own {@link ByteBuf}; copying either moves its position,
   * and Lettuce, which encodes the command after us, would send an empty value. This buffer, and the scratch
   * buffers Lettuce asks its allocator for, copy without moving the source.
   */
  private static final class Copy extends UnpooledHeapByteBuf {
    static final ByteBufAllocator ALLOCATOR = new AbstractByteBufAllocator() {
      @Override
      protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new Copy(initialCapacity, maxCapacity);
      }

      @Override
      protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
      }

      @Override
      public boolean isDirectBufferPooled() {
        return false;
      }
    };

    Copy(int initialCapacity, int maxCapacity) {
      super(ALLOCATOR, initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
      return super.setBytes(index, src.duplicate());
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src, int length) {
      return writeBytes(src, src.readerIndex(), length); // what AbstractByteBuf does, less moving src's reader index
    }
  }

  /** The digits of {@code $<length>\r\n}, after the {@code $}; reads past the line break. */
  private static int readLength(ByteBuf encoded) {
    int length = 0;
    for (byte b; encoded.readableBytes() > 0 && (b = encoded.readByte()) != '\r'; ) {
      length = 10 * length + (b - '0');
    }
    encoded.skipBytes(Math.min(1, encoded.readableBytes())); // \n
    return length;
  }
}
