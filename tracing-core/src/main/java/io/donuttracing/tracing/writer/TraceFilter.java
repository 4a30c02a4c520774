package io.donuttracing.tracing.writer;

import io.donuttracing.tracing.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The agent's trace filters, as its {@code /info} lists them: {@code ignore_resources}, regular expressions for
 * resources (health checks, usually), and {@code filter_tags} / {@code filter_tags_regex}, tags a trace's root
 * must have ({@code require}) or must not have ({@code reject}). The agent drops a trace they filter as it
 * arrives and leaves it out of its metrics. A tracer that computes stats itself must apply them too (the
 * client-side stats spec, datadog-agent PR 42978): otherwise the traces it drops would still be counted in the
 * stats it sends. A trace whose root they filter is neither sent nor counted.
 */
final class TraceFilter {
  static final TraceFilter NONE = new TraceFilter(List.of(), List.of(), List.of(), new AddedTags(null, null, null));

  /**
   * A tag rule: {@code key}, the tag with any value, or {@code key:value}, the tag with that value
   * ({@code filter_tags}) or with a value the expression is found in ({@code filter_tags_regex}).
   */
  private record TagRule(String key, String value, Pattern pattern) {
    boolean matches(String v, Budget budget) {
      return v != null && (pattern != null ? budget.find(pattern, v) : value.isEmpty() || value.equals(v));
    }
  }

  /** Characters the expressions may read, in all, to decide one trace: far more than any sane rule needs. */
  static final int MAX_READS = 100_000;

  /** What the filters make of a trace. */
  enum Verdict {
    FILTERED,
    KEPT,
    /** An expression was stopped before it decided (see {@code Budget}): the agent must see the trace to decide. */
    UNDECIDED
  }

  /**
   * What the expressions may still read to decide one trace. The agent's are written for Go's engine, which runs
   * in linear time; Java's backtracks, and a rule such as {@code (.*a){15}} would take minutes on a value of 40
   * characters that the client chose, on the request's thread. Past the budget the match stops, undecided.
   */
  private static final class Budget {
    private static final RuntimeException SPENT = new RuntimeException("over the budget", null, false, false) {};
    private int left = MAX_READS;

    boolean find(Pattern p, String value) {
      return p.matcher(new CharSequence() { // the matcher reads its text through charAt only
        @Override
        public char charAt(int i) {
          if (--left < 0) {
            throw SPENT;
          }
          return value.charAt(i);
        }

        @Override
        public int length() {
          return value.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
          return value.subSequence(start, end);
        }

        @Override
        public String toString() {
          return value;
        }
      }).find();
    }
  }

  private final List<Pattern> resources;
  private final List<TagRule> require;
  private final List<TagRule> reject;
  private final AddedTags added;

  private TraceFilter(List<Pattern> resources, List<TagRule> require, List<TagRule> reject, AddedTags added) {
    this.resources = resources;
    this.require = require;
    this.reject = reject;
    this.added = added;
  }

  /**
   * From an {@code /info} body as {@link Json} reads it, for a tracer whose encoders add {@code env} and {@code version} to the spans
   * they write (each may be null): the agent sees those tags, so the rules must too. An expression Java cannot compile (the
   * agent's are Go's) is left out, as the agent leaves out those it cannot compile itself.
   */
  static TraceFilter fromInfo(Map<String, Object> info, String env, String version, String service) {
    List<Pattern> resources = new ArrayList<>();
    for (String expr : Json.strings(info.get("ignore_resources"))) {
      Pattern p = compile(expr);
      if (p != null) {
        resources.add(p);
      }
    }
    // objects of arrays of strings, as datadog-agent's info.go writes them
    Map<String, Object> tags = Json.object(info.get("filter_tags"));
    Map<String, Object> tagsRegex = Json.object(info.get("filter_tags_regex"));
    List<TagRule> require = new ArrayList<>(rules(Json.strings(tags.get("require")), false));
    require.addAll(rules(Json.strings(tagsRegex.get("require")), true));
    List<TagRule> reject = new ArrayList<>(rules(Json.strings(tags.get("reject")), false));
    reject.addAll(rules(Json.strings(tagsRegex.get("reject")), true));
    if (resources.isEmpty() && require.isEmpty() && reject.isEmpty()) {
      return NONE;
    }
    return new TraceFilter(List.copyOf(resources), List.copyOf(require), List.copyOf(reject),
        new AddedTags(env, version, service));
  }

  private static List<TagRule> rules(List<String> listed, boolean regex) {
    List<TagRule> rules = new ArrayList<>();
    for (String rule : listed) {
      int colon = rule.indexOf(':');
      if (colon < 0) {
        rules.add(new TagRule(rule, "", null));
      } else if (!regex) {
        rules.add(new TagRule(rule.substring(0, colon), rule.substring(colon + 1), null));
      } else {
        Pattern p = compile(rule.substring(colon + 1));
        if (p != null) {
          rules.add(new TagRule(rule.substring(0, colon), "", p));
        }
      }
    }
    return rules;
  }

  private static Pattern compile(String expr) {
    try {
      return Pattern.compile(expr);
    } catch (PatternSyntaxException e) {
      return null; // not Java's syntax: this one cannot be applied
    }
  }

  /**
   * FILTERED when the chunk's root, the span whose parent is not in it, has a resource an expression matches, has
   * a tag a {@code reject} rule names, or lacks one a {@code require} rule names.
   */
  Verdict decide(List<Span> chunk) {
    if (this == NONE) {
      return Verdict.KEPT;
    }
    try {
      Span root = root(chunk);
      Budget budget = new Budget();
      // the agent matches after normalising, where an empty resource becomes the name
      String resource = root.resource().isEmpty() ? root.name() : root.resource();
      for (Pattern p : resources) {
        if (budget.find(p, resource)) {
          return Verdict.FILTERED;
        }
      }
      for (TagRule r : reject) {
        if (r.matches(added.asSent(root, r.key), budget)) {
          return Verdict.FILTERED;
        }
      }
      for (TagRule r : require) {
        if (!r.matches(added.asSent(root, r.key), budget)) {
          return Verdict.FILTERED;
        }
      }
      return Verdict.KEPT;
    } catch (RuntimeException | StackOverflowError e) {
      return Verdict.UNDECIDED; // the agent's expression, too costly or too deep for Java's matcher on this value
    }
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
}
