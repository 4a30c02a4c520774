package io.donuttracing.tracing.contrib;

/**
 * The resource of an HTTP span that has no route to name it: the method and the path, each path segment that
 * holds a digit replaced by {@code ?}, so that {@code GET /users/123} and {@code GET /users/456} are one resource,
 * {@code GET /users/?}, with one latency distribution. A version segment ({@code v1} to {@code v99}) is kept:
 * {@code GET /v2/users/?}; so is a name with an escaped character ({@code /beers/pale%20ale}). The servlet filter uses it when Spring MVC matched no
 * route pattern, the HTTP client interceptor for every call: dd-trace-java's server and client spans share one
 * such normaliser too ({@code SimpleHttpPathNormalizer}).
 *
 * <p>Public only because the two integrations live in sibling packages ({@code contrib.servlet},
 * {@code contrib.http}), and neither should depend on the other; it is not meant for applications.
 */
public final class HttpResourceNames {
  private HttpResourceNames() {}

  /** {@code GET /users/?} from {@code GET} and {@code /users/123}; a null or empty path is {@code /}. */
  public static String resource(String method, String path) {
    return method + " " + (path == null || path.isEmpty() ? "/" : normalize(path));
  }

  /** Path segments holding digits become {@code ?}: {@code /v1/orders/42} -> {@code /v1/orders/?}. No copy when none do. */
  static String normalize(String path) {
    StringBuilder sb = null;
    int n = path.length();
    for (int start = 0; start <= n; ) {
      int end = path.indexOf('/', start);
      end = end < 0 ? n : end;
      if (hasDigit(path, start, end) && !isVersion(path, start, end)) {
        sb = sb != null ? sb : new StringBuilder(n).append(path, 0, start);
        sb.append('?');
      } else if (sb != null) {
        sb.append(path, start, end);
      }
      if (sb != null && end < n) {
        sb.append('/');
      }
      start = end + 1;
    }
    return sb == null ? path : sb.toString();
  }

  /** {@code v1} or {@code V12}: an API's version, the same for every call, as dd-trace-java judges it. */
  private static boolean isVersion(String s, int from, int to) {
    int length = to - from;
    if (length < 2 || length > 3 || (s.charAt(from) | ' ') != 'v') {
      return false;
    }
    for (int i = from + 1; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Whether a digit is in the segment, the two after a {@code %} aside: {@code pale%20ale} is a name, not an id. */
  private static boolean hasDigit(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%') {
        i += 2; // an escaped character, as dd-trace-java skips it in an encoded path
      } else if (Character.isDigit(c)) {
        return true;
      }
    }
    return false;
  }
}
