package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
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
    for (String expr : listed(info)) {
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
    String resource = root.resource().isEmpty() ? root.name() : root.resource();
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
   * {@code "ignore_resources": ["…", …]}, an array of strings and nothing else (anything else reads as no
   * list). Possessive quantifiers ({@code *+}): a body that does not match fails at once, never backtracks.
   */
  private static final Pattern LIST = Pattern.compile(
      "\"ignore_resources\"\\s*+:\\s*+\\[((?:\\s*+\"(?:[^\"\\\\]|\\\\.)*+\"\\s*+,?+)*+)\\s*+]");
  /** One JSON string; group 1 is its content, still escaped. */
  private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*+)\"");
  /** One escape in a JSON string: a backslash and u with four hex digits, or a backslash and one character. */
  private static final Pattern ESCAPE = Pattern.compile("\\\\(?:u([0-9a-fA-F]{4})|(.))");

  /**
   * The {@code ignore_resources} strings of an {@code /info} body, unescaped; none if the body has no such
   * array. Regular expressions, as the rest of {@code /info} is read: tracing-core has no JSON library.
   */
  static List<String> listed(String info) {
    Matcher list = LIST.matcher(info);
    if (!list.find()) {
      return List.of();
    }
    List<String> strings = new ArrayList<>();
    for (Matcher s = STRING.matcher(list.group(1)); s.find(); ) {
      strings.add(ESCAPE.matcher(s.group(1)).replaceAll(e -> Matcher.quoteReplacement(unescape(e))));
    }
    return strings;
  }

  private static String unescape(MatchResult escape) {
    if (escape.group(1) != null) {
      return String.valueOf((char) Integer.parseInt(escape.group(1), 16));
    }
    return switch (escape.group(2)) {
      case "n" -> "\n";
      case "t" -> "\t";
      case "r" -> "\r";
      case "b" -> "\b";
      case "f" -> "\f";
      default -> escape.group(2); // \" \\ \/
    };
  }
}
