package io.donuttracing.tracing.propagation;

/**
 * Strict parsing of what the propagation headers hold (hex and decimal ids, small numbers, the first of a list),
 * without allocating: only {@link #firstValue} may, when it
 * must cut a new string from a header that holds a list ({@code "a, b"}) or spaces. Callers validate first;
 * nothing here throws on bad input.
 */
final class HeaderValues {
  private HeaderValues() {}

  /** Whether {@code s[from, from+len)} is lower-case hex. */
  static boolean isLowerHex(String s, int from, int len) {
    if (s.length() < from + len) {
      return false;
    }
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** Parses up to 16 hex digits (upper or lower case; the caller checks case when it must). Caller validates digits. */
  static long parseHex(String s, int from, int len) {
    long v = 0;
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        d = c - 'A' + 10;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** Whether {@code s[from, from+len)} is hex in either case. */
  static boolean isHex(String s, int from, int len) {
    if (s.length() < from + len) {
      return false;
    }
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is an unsigned 64-bit decimal: digits only, at most 18446744073709551615. */
  static boolean validUnsignedDecimal(String s) {
    int n = s.length();
    if (n == 0 || n > 20) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return n < 20 || s.compareTo("18446744073709551615") <= 0;
  }

  /** Parses a string that {@link #validUnsignedDecimal(String)} accepted. */
  static long parseUnsignedDecimal(String s) {
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }

  /** A signed int of at most 9 digits, or {@code Integer.MIN_VALUE} when malformed. */
  static int parseSmallInt(String s) {
    int n = s.length();
    if (n == 0) {
      return Integer.MIN_VALUE;
    }
    int i = 0;
    boolean negative = false;
    if (s.charAt(0) == '-') {
      negative = true;
      i = 1;
    }
    if (n == i || n - i > 9) { // no digit, or more than 9: 10 could overflow an int
      return Integer.MIN_VALUE;
    }
    int v = 0;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return Integer.MIN_VALUE;
      }
      v = v * 10 + (c - '0');
    }
    return negative ? -v : v;
  }

  /**
   * The part of a header value before the first comma, trimmed ({@code "a, b"} gives {@code "a"}): the value
   * itself, not a copy, when it holds neither.
   */
  static String firstValue(String value) {
    if (value == null) {
      return null;
    }
    int comma = value.indexOf(',');
    return (comma < 0 ? value : value.substring(0, comma)).trim();
  }
}
