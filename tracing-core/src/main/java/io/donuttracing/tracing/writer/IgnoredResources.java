package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The agent's {@code ignore_resources}, as its {@code /info} lists them: regular expressions for resources
 * (health checks, usually) whose traces the agent drops on arrival and leaves out of its metrics. A tracer
 * that computes stats itself must apply them too (the client-side stats spec, datadog-agent PR 42978):
 * otherwise the traces it drops would still be counted in the stats it sends. A trace whose root's resource
 * matches is neither sent nor counted.
 */
final class IgnoredResources {
  static final IgnoredResources NONE = new IgnoredResources(List.of());

  private final List<Pattern> patterns;

  private IgnoredResources(List<Pattern> patterns) {
    this.patterns = patterns;
  }

  /**
   * From an {@code /info} body. An expression Java cannot compile (the agent's are Go's) is left out, as the
   * agent leaves out those it cannot compile itself.
   */
  static IgnoredResources fromInfo(String info) {
    List<Pattern> patterns = new ArrayList<>();
    for (String expr : stringArray(info, "ignore_resources")) {
      try {
        patterns.add(Pattern.compile(expr));
      } catch (PatternSyntaxException e) {
        // not Java's syntax: this one cannot be applied
      }
    }
    return patterns.isEmpty() ? NONE : new IgnoredResources(List.copyOf(patterns));
  }

  /** Whether the chunk's root, the span whose parent is not in it, has a resource that one expression matches. */
  boolean ignores(List<Span> chunk) {
    if (patterns.isEmpty()) {
      return false;
    }
    Span root = root(chunk);
    // the agent matches after normalising, where an empty resource becomes the name
    String resource = root.resource() == null || root.resource().isEmpty() ? root.name() : root.resource();
    for (Pattern p : patterns) {
      if (p.matcher(resource).find()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The span without a parent: a trace that started in this process. Else the span whose parent is in
   * another process (a trace continued from a caller). A well-formed chunk has one; the agent's
   * {@code traceutil.GetRoot} and the collector find the same.
   */
  private static Span root(List<Span> chunk) {
    for (Span span : chunk) {
      if (span.parentId() == 0) {
        return span;
      }
    }
    Set<Long> ids = new HashSet<>(chunk.size() * 2);
    for (Span span : chunk) {
      ids.add(span.spanId());
    }
    for (Span span : chunk) {
      if (!ids.contains(span.parentId())) {
        return span;
      }
    }
    return chunk.get(0);
  }

  /**
   * The strings of the array under {@code "key"} in a JSON document; empty if there is none or it is not an
   * array of strings. Enough JSON for one field of {@code /info}: tracing-core has no JSON library.
   */
  static List<String> stringArray(String json, String key) {
    List<String> out = new ArrayList<>();
    int i = -1;
    do { // the key, not the same text as a value: followed by a colon
      i = json.indexOf("\"" + key + "\"", i + 1);
      if (i < 0) {
        return out;
      }
    } while (!json.startsWith(":", skipSpaces(json, i + key.length() + 2)));
    i = skipSpaces(json, skipSpaces(json, i + key.length() + 2) + 1);
    if (i >= json.length() || json.charAt(i) != '[') {
      return List.of();
    }
    i = skipSpaces(json, i + 1);
    while (i < json.length() && json.charAt(i) == '"') {
      StringBuilder s = new StringBuilder();
      for (i++; i < json.length() && json.charAt(i) != '"'; i++) {
        char c = json.charAt(i);
        if (c == '\\' && i + 1 < json.length()) {
          char e = json.charAt(++i);
          switch (e) {
            case 'n' -> s.append('\n');
            case 't' -> s.append('\t');
            case 'r' -> s.append('\r');
            case 'b' -> s.append('\b');
            case 'f' -> s.append('\f');
            case 'u' -> {
              if (i + 4 >= json.length()) {
                return List.of();
              }
              try {
                s.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
              } catch (NumberFormatException bad) {
                return List.of();
              }
              i += 4;
            }
            default -> s.append(e); // \" \\ \/
          }
        } else {
          s.append(c);
        }
      }
      out.add(s.toString());
      i = skipSpaces(json, i + 1);
      if (i < json.length() && json.charAt(i) == ',') {
        i = skipSpaces(json, i + 1);
      }
    }
    return i < json.length() && json.charAt(i) == ']' ? out : List.of();
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
