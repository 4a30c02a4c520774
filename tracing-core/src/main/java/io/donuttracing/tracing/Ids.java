package io.donuttracing.tracing;

import java.util.concurrent.ThreadLocalRandom;

/** Id generation and the hex form of ids. */
public final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /** A random, non-zero 64-bit span id (0 means "no span" on the wire). */
  public static long newSpanId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong();
    } while (id == 0);
    return id;
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
