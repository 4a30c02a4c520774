package io.donuttracing.tracing;

import java.util.concurrent.ThreadLocalRandom;

/** Id generation and the hex form of ids. */
public final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /**
   * A random span id, from 1 to 2^63 - 1: not 0 (which means "no span" on the wire), and positive, as
   * dd-trace-java makes them, so that its decimal form (log correlation writes it at every change of the
   * active span) takes {@link Long#toString}'s short way. Ids from other tracers may use all 64 bits.
   */
  public static long newSpanId() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  }

  /**
   * The high half of a new 128-bit trace id, as Datadog builds it: the Unix time in seconds in the top
   * 32 bits, zeros below. The low half is {@link #newSpanId()}.
   */
  static long newTraceIdHigh(long epochNanos) {
    return (epochNanos / 1_000_000_000L) << 32;
  }

  /** 16 lower-case hex digits, zero-padded. */
  public static String hex(long id) {
    char[] out = new char[16];
    hex(id, out, 0);
    return new String(out);
  }

  /** Writes 16 lower-case hex digits of {@code id} into {@code out} at {@code offset}. */
  public static void hex(long id, char[] out, int offset) {
    for (int i = offset + 15; i >= offset; i--) {
      out[i] = HEX[(int) (id & 0xF)];
      id >>>= 4;
    }
  }
}
