package io.donuttracing.tracing;

import java.util.concurrent.ThreadLocalRandom;

/** Id generation, and the hex and decimal forms of ids. */
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

  /**
   * The id in unsigned decimal, as Datadog's headers and log correlation write it: {@code Long.toUnsignedString(id)}
   * in one string, where for an id of 2^63 or more (half of all random ids) JDK 17's builds two more on the way.
   */
  public static String decimal(long id) {
    if (id >= 0) {
      return Long.toString(id);
    }
    long tenth = (id >>> 1) / 5; // id / 10, unsigned
    return new StringBuilder(20).append(tenth).append(id - tenth * 10).toString();
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
